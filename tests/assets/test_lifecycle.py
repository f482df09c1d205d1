"""The asset lifecycle after the last byte: preparation, billing once per asset, pending_payment
and activation oldest-first on top-up, failure without charge, deletes and purges, listings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select, update
from tuskit import asset_row, new_asset, new_project, tuspy_upload, wait_state

from roughy.assets.models import Asset
from roughy.credits import service as credits
from roughy.jobs import JobContext, Runtime
from roughy.jobs.registry import run_registered
from roughy.kit.clock import utcnow
from roughy.webhooks.models import WebhookEvent
from support import (
    Account,
    create_account,
    make_tone_audio,
    make_unindexed_mp4,
    wait_until,
)


async def _upload(
    client: httpx.AsyncClient, account: Account, asset: dict[str, Any], path: Path
) -> None:
    await anyio.to_thread.run_sync(lambda: tuspy_upload(asset["upload_url"], path, account))


async def _events(runtime: Runtime, user_id: str) -> list[dict[str, Any]]:
    async with runtime.db.transaction() as session:
        rows = await session.execute(
            select(WebhookEvent)
            .where(WebhookEvent.user_id == user_id)
            .order_by(WebhookEvent.created_at)
        )
        return [r.payload for r in rows.scalars()]


async def _charges(client: httpx.AsyncClient, account: Account) -> list[tuple[str, int]]:
    history = (await client.get("/v1/credits/history?limit=100", headers=account.headers)).json()
    return [(e["asset_id"], e["delta"]) for e in history["items"] if e["type"] == "consume_asset"]


async def test_truncated_media_fails_and_is_never_charged(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    broken = make_unindexed_mp4(tmp_path / "broken.mp4")
    asset = await new_asset(client, account, broken.stat().st_size)
    await _upload(client, account, asset, broken)
    failed = await wait_state(client, account, asset["id"], "failed", "ready")
    assert failed["state"] == "failed", failed
    assert failed["error_code"] and failed["error_message"]
    assert failed["duration_seconds"] is None and failed["cuttable"] is False
    assert failed["type"] == "video"  # sniffed from the first bytes
    assert await _charges(client, account) == []
    events = await _events(runtime, account.user_id)
    assert {
        "type": "asset.failed",
        "data": {"entity_id": asset["id"], "asset_id": asset["id"]},
    } in events


async def test_pending_payment_then_top_up_activates_oldest_first(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    account = await create_account(runtime, credits_granted=1)
    clip = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    size = clip.stat().st_size
    project = await new_project(client, account)
    first, second, third = [
        await new_asset(client, account, size, project_id=project) for _ in range(3)
    ]

    await _upload(client, account, first, clip)
    assert (await wait_state(client, account, first["id"], "ready", "failed"))["state"] == "ready"
    refused = await client.post(
        "/v1/assets", json={"project_id": project, "size_bytes": size}, headers=account.headers
    )
    assert refused.status_code == 402  # balance is now 0

    await _upload(client, account, second, clip)
    waiting = await wait_state(client, account, second["id"], "pending_payment", "ready", "failed")
    assert waiting["state"] == "pending_payment"
    assert waiting["duration_seconds"] is not None and waiting["cuttable"] is False
    await _upload(client, account, third, clip)
    assert (await wait_state(client, account, third["id"], "pending_payment"))[
        "state"
    ] == "pending_payment"
    row = await asset_row(runtime, third["id"])
    assert row is not None and row.storage_key and runtime.storage.exists(row.storage_key)

    async with runtime.db.transaction() as session:
        await credits.grant(session, account.user_id, 1, memo="top-up")
    await wait_state(client, account, second["id"], "ready")
    third_now = (await client.get(f"/v1/assets/{third['id']}", headers=account.headers)).json()
    assert third_now["state"] == "pending_payment"

    async with runtime.db.transaction() as session:
        await credits.grant(session, account.user_id, 5, memo="top-up")
    await wait_state(client, account, third["id"], "ready")
    assert sorted(await _charges(client, account)) == sorted(
        [(first["id"], -1), (second["id"], -1), (third["id"], -1)]
    )
    balance = (await client.get("/v1/credits/balance", headers=account.headers)).json()["balance"]
    assert balance == 5 - 1
    events = await _events(runtime, account.user_id)
    ready_second = [
        e for e in events if e["type"] == "asset.ready" and e["data"]["entity_id"] == second["id"]
    ]
    assert ready_second == [
        {
            "type": "asset.ready",
            "data": {
                "entity_id": second["id"],
                "asset_id": second["id"],
                "previous_state": "pending_payment",
            },
        }
    ]
    assert any(
        e["type"] == "asset.pending_payment" and e["data"]["entity_id"] == third["id"]
        for e in events
    )
    ready_first = [
        e for e in events if e["type"] == "asset.ready" and e["data"]["entity_id"] == first["id"]
    ]
    assert ready_first[0]["data"]["previous_state"] == "processing"


async def test_unpaid_assets_are_purged_after_30_days(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    account = await create_account(runtime, credits_granted=1)
    clip = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    project = await new_project(client, account)
    paid, unpaid = [
        await new_asset(client, account, clip.stat().st_size, project_id=project) for _ in range(2)
    ]
    await _upload(client, account, paid, clip)
    await wait_state(client, account, paid["id"], "ready")
    await _upload(client, account, unpaid, clip)
    await wait_state(client, account, unpaid["id"], "pending_payment")
    row = await asset_row(runtime, unpaid["id"])
    assert row is not None and row.storage_key
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Asset)
            .where(Asset.id == unpaid["id"])
            .values(pending_payment_at=utcnow() - timedelta(days=31))
        )
    await run_registered(JobContext(runtime=runtime, job_id=0, attempts=0), "assets.purge", {})
    assert (
        await client.get(f"/v1/assets/{unpaid['id']}", headers=account.headers)
    ).status_code == 404
    assert (
        await client.get(f"/v1/assets/{paid['id']}", headers=account.headers)
    ).status_code == 200

    async def bytes_gone() -> bool:
        return not runtime.storage.exists(row.storage_key or "")

    await wait_until(bytes_gone, timeout=20)


@pytest.mark.backends("local", "s3")
async def test_delete_removes_rows_and_bytes(
    client: httpx.AsyncClient,
    account: Account,
    other_account: Account,
    runtime: Runtime,
    tmp_path: Path,
) -> None:
    clip = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    asset = await new_asset(client, account, clip.stat().st_size)
    await _upload(client, account, asset, clip)
    await wait_state(client, account, asset["id"], "ready")
    row = await asset_row(runtime, asset["id"])
    assert row is not None and row.storage_key and row.analysis_audio_key
    assert (
        await client.delete(f"/v1/assets/{asset['id']}", headers=other_account.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 204
    assert (
        await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/assets/{asset['id']}", headers=account.headers)
    ).status_code == 404

    async def bytes_gone() -> bool:
        return not runtime.storage.exists(row.storage_key or "") and not runtime.storage.exists(
            row.analysis_audio_key or ""
        )

    await wait_until(bytes_gone, timeout=20)


async def test_listing_filters_and_pagination(
    client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    project_a = await new_project(client, account, "a")
    project_b = await new_project(client, account, "b")
    made = [await new_asset(client, account, 100, project_id=project_a) for _ in range(3)]
    other = await new_asset(client, account, 100, project_id=project_b)
    await new_asset(client, other_account, 100)

    listed = (
        await client.get(f"/v1/assets?project_id={project_a}", headers=account.headers)
    ).json()
    assert listed["total"] == 3 and [a["id"] for a in listed["items"]] == [
        a["id"] for a in reversed(made)
    ]
    item = listed["items"][0]
    assert set(item) == {
        "id",
        "project_id",
        "type",
        "state",
        "extension",
        "filename",
        "size_bytes",
        "content_type",
        "duration_seconds",
        "language",
        "cuttable",
        "created_at",
    }
    assert item["created_at"].endswith("Z")
    page = (
        await client.get(
            f"/v1/assets?project_id={project_a}&limit=2&offset=2", headers=account.headers
        )
    ).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["limit"] == 2
    pending = (
        await client.get("/v1/assets?state=pending_upload&limit=100", headers=account.headers)
    ).json()
    ids = {a["id"] for a in pending["items"]}
    assert {a["id"] for a in made} | {other["id"]} <= ids
    none = (await client.get("/v1/assets?state=ready", headers=account.headers)).json()
    assert all(a["state"] == "ready" for a in none["items"])
    bad = await client.get("/v1/assets?state=bogus", headers=account.headers)
    assert bad.status_code == 422
    theirs = (
        await client.get(f"/v1/assets?project_id={project_a}", headers=other_account.headers)
    ).json()
    assert theirs["total"] == 0
    detail = (await client.get(f"/v1/assets/{made[0]['id']}", headers=account.headers)).json()
    assert detail["upload_url"].endswith(f"/v1/uploads/{made[0]['id']}")
    assert (await client.get("/v1/assets/not-a-uuid", headers=account.headers)).status_code == 404


async def test_preparation_without_billing_reaches_ready_uncharged(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    """billing_enabled=false: the prepare job (run here with such settings) never charges."""
    clip = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    asset = await new_asset(client, account, clip.stat().st_size)
    async with runtime.db.transaction() as session:
        row = (await session.execute(select(Asset).where(Asset.id == asset["id"]))).scalar_one()
        row.state = "processing"
        row.extension = "wav"
        row.storage_key = f"projects/{row.project_id}/assets/{row.id}/source.wav"
        key = row.storage_key
    runtime.storage.put_file(key, clip)
    free = runtime.__class__(
        settings=runtime.settings.model_copy(update={"billing_enabled": False}),
        db=runtime.db,
        storage=runtime.storage,
    )
    await run_registered(
        JobContext(runtime=free, job_id=0, attempts=0), "assets.prepare", {"asset_id": asset["id"]}
    )
    ready = (await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)).json()
    assert ready["state"] == "ready" and ready["cuttable"] is True
    assert await _charges(client, account) == []
