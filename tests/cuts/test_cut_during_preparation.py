"""A cut asked for while its asset is still being prepared (real upload, real worker): accepted,
`pending` until the preparation is over, then computed from the analysis audio the preparation
extracted; if the preparation fails, the cut fails with `asset_failed` and nothing is charged.

The preparation is held back by a parked job with its job lock (deferred before the upload, far in
the future), so the cut is asked for while the asset is `processing` whatever the machine's speed;
cancelling the parked job lets the queue run the preparation, then the cut.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
from sqlalchemy import text
from tuskit import new_asset, tuspy_upload, wait_state

from roughy.assets.models import Asset
from roughy.assets.service import preparation_lock
from roughy.cuts.models import Cut
from roughy.jobs import Runtime, defer
from support import Account, make_unindexed_mp4, wait_until


@asynccontextmanager
async def preparation_held(runtime: Runtime, asset_id: str) -> AsyncIterator[None]:
    async with runtime.db.transaction() as session:
        parked = await defer(
            session,
            "tests.parked",
            queue="io",
            delay=timedelta(days=1),
            lock=preparation_lock(asset_id),
        )
    try:
        yield
    finally:
        async with runtime.db.transaction() as session:
            await session.execute(
                text("SELECT procrastinate_cancel_job_v1(:id, false, true)"), {"id": parked}
            )


async def upload_and_cut(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, media: Path
) -> tuple[str, dict[str, Any]]:
    """Upload `media` and ask for its cut while the preparation is held; (asset id, the cut)."""
    asset = await new_asset(client, account, media.stat().st_size)
    async with preparation_held(runtime, asset["id"]):
        await anyio.to_thread.run_sync(lambda: tuspy_upload(asset["upload_url"], media, account))
        preparing = await client.get(f"/v1/assets/{asset['id']}", headers=account.headers)
        assert preparing.json()["state"] == "processing"
        created = await client.post(
            "/v1/cuts", json={"asset_id": asset["id"]}, headers=account.headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["state"] == "pending"
        again = await client.post(
            "/v1/cuts", json={"asset_id": asset["id"]}, headers=account.headers
        )
        assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    return asset["id"], created.json()


async def finished_cut(client: httpx.AsyncClient, account: Account, cut_id: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def done() -> bool:
        seen.update((await client.get(f"/v1/cuts/{cut_id}", headers=account.headers)).json())
        return seen["state"] in ("completed", "failed")

    await wait_until(done, timeout=240, interval=0.25)
    return seen


async def test_cut_asked_during_preparation_starts_once_the_asset_is_ready(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, talking_head: Path
) -> None:
    asset_id, cut = await upload_and_cut(client, runtime, account, talking_head)
    finished = await finished_cut(client, account, cut["id"])
    assert finished["state"] == "completed", finished
    assert finished["words"] and finished["kept_segments"]
    async with runtime.db.transaction() as session:
        asset = await session.get(Asset, asset_id)
        row = await session.get(Cut, cut["id"])
        assert asset is not None and row is not None and asset.ready_at is not None
        assert row.started_at is not None and row.started_at >= asset.ready_at


async def test_cut_asked_during_a_failing_preparation_fails_without_charge(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, tmp_path: Path
) -> None:
    broken = make_unindexed_mp4(tmp_path / "broken.mp4")
    asset_id, cut = await upload_and_cut(client, runtime, account, broken)
    finished = await finished_cut(client, account, cut["id"])
    assert finished["state"] == "failed"
    assert finished["error_code"] == "asset_failed"
    assert "upload it again" in finished["error_message"]
    assert (await wait_state(client, account, asset_id, "failed"))["state"] == "failed"
    history = (await client.get("/v1/credits/history?limit=100", headers=account.headers)).json()
    assert [e for e in history["items"] if e["type"] == "consume_asset"] == []
