"""The /v1 upload path end to end with a real tus client: create, upload, prepare, charge."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
from tuskit import new_asset, sha256_file, stored_sha256, tuspy_upload, wait_state

from roughy.jobs import Runtime
from support import Account, make_tone_audio, make_tone_video

BACKENDS = ("local", "s3")


async def test_create_upload_with_tuspy_and_reach_ready(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_tone_video(tmp_path / "clip.mp4", seconds=1.5, size="160x120")
    size = source.stat().st_size
    asset = await new_asset(client, account, size, language="EN")
    assert asset["state"] == "pending_upload"
    assert asset["size_bytes"] is None and asset["type"] is None
    assert asset["extension"] is None and asset["content_type"] is None
    assert asset["language"] == "en" and asset["cuttable"] is False
    assert asset["upload_url"].endswith(f"/v1/uploads/{asset['id']}")
    assert asset["download_url"] is None and asset["duration_seconds"] is None

    await anyio.to_thread.run_sync(
        lambda: tuspy_upload(asset["upload_url"], source, account, chunk_size=64 * 1024)
    )
    ready = await wait_state(client, account, asset["id"], "ready", "failed")
    assert ready["state"] == "ready", ready
    assert ready["type"] == "video" and ready["extension"] == "mp4"
    assert ready["content_type"] == "video/mp4" and ready["size_bytes"] == size
    assert ready["cuttable"] is True and ready["upload_url"] is None
    assert 1.4 < float(ready["duration_seconds"]) < 1.7
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
    downloaded = await client.get(ready["download_url"])
    assert downloaded.status_code == 200 and len(downloaded.content) == size

    history = (await client.get("/v1/credits/history", headers=account.headers)).json()
    charges = [e for e in history["items"] if e["type"] == "consume_asset"]
    assert [(c["asset_id"], c["delta"]) for c in charges] == [(asset["id"], -1)]


async def test_audio_upload_is_typed_from_bytes(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    asset = await new_asset(client, account, source.stat().st_size)
    await anyio.to_thread.run_sync(
        lambda: tuspy_upload(asset["upload_url"], source, account, checksum=True)
    )
    ready = await wait_state(client, account, asset["id"], "ready", "failed")
    assert (ready["state"], ready["type"], ready["extension"]) == ("ready", "audio", "wav")
    assert ready["content_type"] == "audio/wav"
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
    row_key = f"projects/{ready['project_id']}/assets/{asset['id']}/analysis.wav"
    assert runtime.storage.exists(row_key)
