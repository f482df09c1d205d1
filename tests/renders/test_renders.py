"""/v1/renders over real HTTP: real ffmpeg renders of real cuts, idempotency, gates, cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from v1_seed import seed_asset

from roughy.assets.models import Asset
from roughy.cuts.models import Cut
from roughy.engine.probe import probe
from roughy.jobs import Runtime
from roughy.renders.models import Render
from support import Account, wait_until

FRAME = 1 / 25


async def wait_state(
    client: httpx.AsyncClient, account: Account, path: str, states: tuple[str, ...]
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        response = await client.get(path, headers=account.headers)
        assert response.status_code == 200, response.text
        seen.clear()
        seen.update(response.json())
        return seen["state"] in states

    await wait_until(reached, timeout=240, interval=0.2)
    return seen


async def completed_cut(
    client: httpx.AsyncClient, account: Account, asset_id: str
) -> dict[str, Any]:
    created = await client.post("/v1/cuts", json={"asset_id": asset_id}, headers=account.headers)
    assert created.status_code == 201, created.text
    cut = await wait_state(
        client, account, f"/v1/cuts/{created.json()['id']}", ("completed", "failed")
    )
    assert cut["state"] == "completed", cut
    return cut


def kept_seconds(cut: dict[str, Any]) -> float:
    return sum(float(s["end"]) - float(s["start"]) for s in cut["kept_segments"])


async def download(client: httpx.AsyncClient, url: str, path: Path) -> Path:
    response = await client.get(url)
    assert response.status_code == 200
    path.write_bytes(response.content)
    return path


@pytest.mark.backends("local", "s3")
async def test_render_cut_to_video_and_audio(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    talking_head: Path,
    tmp_path: Path,
) -> None:
    asset = await seed_asset(runtime, account.user_id, talking_head)
    cut = await completed_cut(client, account, asset.id)
    expected = kept_seconds(cut)
    request = {"asset_id": asset.id, "cut_id": cut["id"], "output": {"format": "mp4"}}
    first = await client.post("/v1/renders", json=request, headers=account.headers)
    assert first.status_code == 201, first.text
    render = first.json()
    assert first.headers["location"] == f"/v1/renders/{render['id']}"
    assert render["download_url"] is None and render["cut_id"] == cut["id"]
    assert render["render_path"] is None and render["fallback_reason"] is None
    assert render["output"]["format"] == "mp4" and render["output"]["resolution"] is None
    again = await client.post("/v1/renders", json=request, headers=account.headers)
    assert again.status_code == 200 and again.json()["id"] == render["id"]

    audio = await client.post(
        "/v1/renders",
        json={**request, "output": {"format": "mp3", "audio_bitrate": 128}},
        headers=account.headers,
    )
    assert audio.status_code == 201
    full = await client.post(
        "/v1/renders",
        json={"asset_id": asset.id, "output": {"format": "m4a"}},
        headers=account.headers,
    )
    assert full.status_code == 201 and full.json()["cut_id"] is None

    done = await wait_state(client, account, f"/v1/renders/{render['id']}", ("completed", "failed"))
    assert done["state"] == "completed", done
    assert done["progress"] == 1.0 and done["size_bytes"] > 0
    assert done["download_url"].startswith("http")
    video = probe(await download(client, done["download_url"], tmp_path / "out.mp4"))
    assert video.video is not None and video.audio is not None
    assert video.size_bytes == done["size_bytes"]
    assert abs(video.duration_us / 1e6 - expected) <= FRAME + 1e-3, (video.duration_us, expected)

    mp3 = await wait_state(
        client, account, f"/v1/renders/{audio.json()['id']}", ("completed", "failed")
    )
    assert mp3["state"] == "completed", mp3
    assert (mp3["render_path"], mp3["fallback_reason"]) == ("full", "audio-only output")
    sound = probe(await download(client, mp3["download_url"], tmp_path / "out.mp3"))
    assert sound.video is None and sound.audio is not None
    assert abs(sound.duration_us / 1e6 - expected) <= FRAME + 1e-3, (sound.duration_us, expected)

    whole = await wait_state(
        client, account, f"/v1/renders/{full.json()['id']}", ("completed", "failed")
    )
    assert whole["state"] == "completed", whole
    source_seconds = probe(talking_head).duration_us / 1e6
    assert abs(float(whole["duration_seconds"]) - source_seconds) <= 0.1

    async with runtime.db.transaction() as session:
        row = await session.get(Render, render["id"])
        assert row is not None and row.storage_key == (
            f"projects/{asset.project_id}/assets/{asset.id}/renders/{render['id']}.mp4"
        )
    assert runtime.storage.exists(row.storage_key)

    listed = await client.get("/v1/renders", params={"cut_id": cut["id"]}, headers=account.headers)
    assert listed.json()["total"] == 2
    assert "download_url" not in listed.json()["items"][0]
    by_state = await client.get(
        "/v1/renders",
        params={"asset_id": asset.id, "state": "completed", "limit": 1},
        headers=account.headers,
    )
    assert by_state.json()["total"] == 3 and len(by_state.json()["items"]) == 1


async def test_render_gates(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    other_account: Account,
    talking_head: Path,
    speech_audio: Path,
) -> None:
    processing = await seed_asset(
        runtime, account.user_id, talking_head, state="processing", with_analysis_audio=False
    )
    for fmt in ("mp4", "mp3"):
        response = await client.post(
            "/v1/renders",
            json={"asset_id": processing.id, "output": {"format": fmt}},
            headers=account.headers,
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "asset_not_ready"
    unpaid = await seed_asset(
        runtime, account.user_id, talking_head, state="pending_payment", with_analysis_audio=False
    )
    response = await client.post(
        "/v1/renders",
        json={"asset_id": unpaid.id, "output": {"format": "m4a"}},
        headers=account.headers,
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "asset_not_ready"

    ready = await seed_asset(runtime, account.user_id, talking_head, with_analysis_audio=False)
    async with runtime.db.transaction() as session:
        cut = Cut(
            user_id=account.user_id,
            project_id=ready.project_id,
            asset_id=ready.id,
            script="not done",
            script_key="x" * 64,
            state="processing",
        )
        session.add(cut)
        await session.flush()
        cut_id = cut.id
    response = await client.post(
        "/v1/renders",
        json={"asset_id": ready.id, "cut_id": cut_id, "output": {"format": "mp4"}},
        headers=account.headers,
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "modifier_not_ready"

    other_asset = await seed_asset(
        runtime,
        account.user_id,
        talking_head,
        project_id=ready.project_id,
        with_analysis_audio=False,
    )
    response = await client.post(
        "/v1/renders",
        json={"asset_id": other_asset.id, "cut_id": cut_id, "output": {"format": "mp4"}},
        headers=account.headers,
    )
    assert response.status_code == 404

    audio_only = await seed_asset(runtime, account.user_id, speech_audio, with_analysis_audio=False)
    response = await client.post(
        "/v1/renders",
        json={"asset_id": audio_only.id, "output": {"format": "mov"}},
        headers=account.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "body.output.format"

    for output in (
        {"format": "mp4", "frame_rate": 120},
        {"format": "mp3", "resolution": "720p"},
        {"format": "mp4", "video_bitrate": 7},
        {"format": "wav"},
    ):
        response = await client.post(
            "/v1/renders", json={"asset_id": ready.id, "output": output}, headers=account.headers
        )
        assert response.status_code == 422, output
        assert response.json()["error"]["code"] == "validation_error"

    foreign = await client.post(
        "/v1/renders",
        json={"asset_id": ready.id, "output": {"format": "mp4"}},
        headers=other_account.headers,
    )
    assert foreign.status_code == 404
    mine = await client.post(
        "/v1/renders",
        json={"asset_id": ready.id, "output": {"format": "mp4", "resolution": "720p"}},
        headers=account.headers,
    )
    assert mine.status_code == 201
    render_id = mine.json()["id"]
    for method, path in (
        ("GET", f"/v1/renders/{render_id}"),
        ("POST", f"/v1/renders/{render_id}/cancel"),
    ):
        response = await client.request(method, path, headers=other_account.headers)
        assert response.status_code == 404
    assert (await client.get("/v1/renders", headers=other_account.headers)).json()["total"] == 0
    done = await wait_state(client, account, f"/v1/renders/{render_id}", ("completed", "failed"))
    assert done["state"] == "completed"
    late = await client.post(f"/v1/renders/{render_id}/cancel", headers=account.headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"


async def test_cancel_stops_a_running_render(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, long_video: Path
) -> None:
    asset = await seed_asset(runtime, account.user_id, long_video, with_analysis_audio=False)
    created = await client.post(
        "/v1/renders",
        json={"asset_id": asset.id, "output": {"format": "mp4", "video_bitrate": 5}},
        headers=account.headers,
    )
    assert created.status_code == 201
    render_id = created.json()["id"]
    path = f"/v1/renders/{render_id}"

    async def encoding() -> bool:
        body = (await client.get(path, headers=account.headers)).json()
        if body["state"] == "pending":
            return False
        assert body["state"] == "processing", body
        return (body["progress"] or 0) > 0

    await wait_until(encoding, timeout=120, interval=0.1)
    cancelled = await client.post(f"{path}/cancel", headers=account.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    progress_at_cancel = cancelled.json()["progress"]
    assert progress_at_cancel is not None and progress_at_cancel < 1

    async def job_finished() -> bool:
        async with runtime.db.transaction() as session:
            running = await session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'renders.run' "
                    "AND status = 'doing' AND args->>'render_id' = :id"
                ),
                {"id": render_id},
            )
        return running == 0

    await wait_until(job_finished, timeout=60, interval=0.1)
    body = (await client.get(path, headers=account.headers)).json()
    assert body["state"] == "cancelled" and body["download_url"] is None
    assert body["progress"] == progress_at_cancel  # nothing more was encoded or recorded
    key = f"projects/{asset.project_id}/assets/{asset.id}/renders/{render_id}.mp4"
    assert not runtime.storage.exists(key)
    again = await client.post(f"{path}/cancel", headers=account.headers)
    assert again.status_code == 200 and again.json()["state"] == "cancelled"
    # a cancelled render doesn't count for idempotency: the same request starts a new one
    retry = await client.post(
        "/v1/renders",
        json={"asset_id": asset.id, "output": {"format": "mp4", "video_bitrate": 5}},
        headers=account.headers,
    )
    assert retry.status_code == 201 and retry.json()["id"] != render_id
    await client.post(f"/v1/renders/{retry.json()['id']}/cancel", headers=account.headers)


async def test_unreadable_source_fails_the_render(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, talking_head: Path
) -> None:
    asset = await seed_asset(runtime, account.user_id, talking_head, with_analysis_audio=False)
    async with runtime.db.transaction() as session:
        row = await session.get(Asset, asset.id)
        assert row is not None and row.storage_key
        runtime.storage.put_bytes(row.storage_key, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2048)
    created = await client.post(
        "/v1/renders",
        json={"asset_id": asset.id, "output": {"format": "mp3"}},
        headers=account.headers,
    )
    assert created.status_code == 201
    failed = await wait_state(
        client, account, f"/v1/renders/{created.json()['id']}", ("completed", "failed")
    )
    assert failed["state"] == "failed", failed
    assert failed["error_code"] and failed["error_message"] and failed["download_url"] is None
