"""Nothing is stored for free: every surface refuses non-media on its first bytes, starting any
upload needs a positive balance, and the bytes of failed and abandoned assets are purged."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update
from tuskit import OFFSET_CT, new_asset, send_partial, tus_headers, upload_row, wait_state

from roughy.assets.models import Asset
from roughy.assets.service import staging_path
from roughy.jobs import JobContext, Runtime
from roughy.jobs.registry import run_registered
from roughy.kit.clock import utcnow
from roughy.storage.keys import asset_prefix
from support import Account, create_account, make_tone_audio, make_unindexed_mp4, wait_until

RESUMABLE = "/api/v1/assets/upload-resumable"
NOT_MEDIA = b"%PDF-1.7\n" + b"a document, not audio or video " * 100


def _meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _stored_keys(runtime: Runtime, project_id: str, asset_id: str) -> list[str]:
    root = runtime.settings.data_dir.resolve() / "storage" / asset_prefix(project_id, asset_id)
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_starting_any_upload_at_zero_balance_is_402(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    broke = await create_account(runtime, credits_granted=0)
    partial = await client.post(
        "/v1/uploads",
        headers={**tus_headers(broke), "Upload-Length": "1000", "Upload-Concat": "partial"},
    )
    assert partial.status_code == 402, partial.text
    assert partial.json()["error"]["code"] == "insufficient_credits"
    legacy_partial = await client.post(
        RESUMABLE,
        headers={**tus_headers(broke), "Upload-Length": "1000", "Upload-Concat": "partial"},
    )
    assert legacy_partial.status_code == 402
    resumable = await client.post(
        RESUMABLE,
        headers={
            **tus_headers(broke),
            "Upload-Length": "1000",
            "Upload-Metadata": _meta(type="audio"),
        },
    )
    assert resumable.status_code == 402
    assert resumable.json()["code"] == "insufficient_credits"
    presigned = await client.post(
        "/api/v1/assets/upload-url", json={"type": "audio"}, headers=broke.headers
    )
    assert presigned.status_code == 402
    listed = await client.get("/api/v1/assets", headers=broke.headers)
    assert listed.json()["total"] == 0


async def test_api_v1_resumable_refuses_non_media_on_the_first_chunk(
    client: httpx.AsyncClient, account: Account, runtime: Runtime
) -> None:
    created = await client.post(
        RESUMABLE,
        headers={
            **tus_headers(account),
            "Upload-Length": str(len(NOT_MEDIA)),
            "Upload-Metadata": _meta(type="video", filename="talk.mp4"),
        },
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["session_id"]
    sent = await client.patch(
        created.headers["location"],
        content=NOT_MEDIA,
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 409
    assert "not audio or video" in sent.json()["detail"]
    gone = await client.get(f"/api/v1/assets/{session_id}", headers=account.headers)
    assert gone.status_code == 404
    assert not staging_path(runtime.settings, session_id).exists()


async def test_api_v1_concatenation_of_non_media_is_refused(
    client: httpx.AsyncClient, account: Account
) -> None:
    urls = []
    for piece in (NOT_MEDIA[:1000], NOT_MEDIA[1000:]):
        part = await send_partial(client, account, RESUMABLE, piece)
        urls.append(part.headers["location"])
    final = await client.post(
        RESUMABLE,
        headers={
            **tus_headers(account),
            "Upload-Concat": "final;" + " ".join(urls),
            "Upload-Metadata": _meta(type="audio"),
        },
    )
    assert final.status_code == 409, final.text
    listed = await client.get("/api/v1/assets", headers=account.headers)
    assert listed.json()["total"] == 0


async def test_presigned_put_refuses_non_media(
    client: httpx.AsyncClient, account: Account, runtime: Runtime
) -> None:
    made = (
        await client.post(
            "/api/v1/assets/upload-url", json={"type": "video"}, headers=account.headers
        )
    ).json()
    put = await client.put(
        made["upload"]["url"], content=NOT_MEDIA, headers=made["upload"]["headers"]
    )
    assert put.status_code == 409
    asset_id = made["asset"]["id"]
    confirm = await client.post(f"/api/v1/assets/{asset_id}/confirm", headers=account.headers)
    assert confirm.status_code == 409
    detail = (await client.get(f"/api/v1/assets/{asset_id}", headers=account.headers)).json()
    assert detail["state"] == "pending_upload" and detail["download_url"] is None


async def test_a_failed_asset_keeps_its_error_but_not_its_bytes(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    """An MP4 whose index (moov, at the end) never arrived: it sniffs as media, then fails."""
    broken = make_unindexed_mp4(tmp_path / "broken.mp4").read_bytes()
    asset = await new_asset(client, account, len(broken))
    sent = await client.patch(
        asset["upload_url"],
        content=broken,
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 204
    failed = await wait_state(client, account, asset["id"], "failed")
    assert failed["error_code"] and failed["download_url"] is None

    async def purged() -> bool:
        return not _stored_keys(runtime, asset["project_id"], asset["id"])

    await wait_until(purged, timeout=30)
    history = (await client.get("/v1/credits/history", headers=account.headers)).json()
    assert not [e for e in history["items"] if e["type"] == "consume_asset"]


async def test_api_v1_failed_asset_shows_its_error(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    broken = make_unindexed_mp4(tmp_path / "broken.mp4").read_bytes()
    created = await client.post(
        RESUMABLE,
        headers={
            **tus_headers(account),
            "Upload-Length": str(len(broken)),
            "Upload-Metadata": _meta(type="audio"),
        },
    )
    sent = await client.patch(
        created.headers["location"],
        content=broken,
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 204
    asset_id = created.json()["session_id"]
    seen: dict[str, object] = {}

    async def failed() -> bool:
        seen.update(
            (await client.get(f"/api/v1/assets/{asset_id}", headers=account.headers)).json()
        )
        return seen["state"] == "failed"

    await wait_until(failed, timeout=60)
    assert seen["error_code"] and seen["error_message"] and seen["download_url"] is None


async def test_abandoned_presigned_assets_are_swept_with_their_bytes(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    made = (
        await client.post(
            "/api/v1/assets/upload-url", json={"type": "audio"}, headers=account.headers
        )
    ).json()
    asset_id = made["asset"]["id"]
    source = make_tone_audio(tmp_path / "t.wav", seconds=1.0)
    put = await client.put(
        made["upload"]["url"], content=source.read_bytes(), headers=made["upload"]["headers"]
    )
    assert put.status_code == 200
    async with runtime.db.transaction() as session:
        row = await session.get(Asset, asset_id)
        assert row is not None
        project_id = row.project_id
        await session.execute(
            update(Asset)
            .where(Asset.id == asset_id)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
    assert _stored_keys(runtime, project_id, asset_id)
    await run_registered(JobContext(runtime=runtime, job_id=0, attempts=0), "uploads.sweep", {})
    gone = await client.get(f"/api/v1/assets/{asset_id}", headers=account.headers)
    assert gone.status_code == 404

    async def purged() -> bool:
        return not _stored_keys(runtime, project_id, asset_id)

    await wait_until(purged, timeout=30)
    assert await upload_row(runtime, asset_id) is None
