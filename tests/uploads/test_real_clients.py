"""Real tus clients over loopback: tus-js-client under node (whole, resumed after the connection
is cut mid-PATCH, parallel concatenation) and tuspy resuming after a cut connection. Every test
compares the sha256 of the stored bytes with the source."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from tuskit import (
    OFFSET_CT,
    new_asset,
    node_available,
    run_node,
    sha256_file,
    stored_sha256,
    tus_headers,
    tuspy_upload,
    wait_state,
)

from roughy.jobs import Runtime
from support import Account, make_tone_video, wait_until

BACKENDS = ("local", "s3")

needs_node = pytest.mark.skipif(
    not node_available(), reason="node or tests/js/node_modules missing (run make setup)"
)


def _video(tmp_path: Path, seconds: float = 2.0) -> Path:
    return make_tone_video(tmp_path / "clip.mp4", seconds=seconds, size="160x120")


def _padded_video(tmp_path: Path, padding: int) -> Path:
    """A real MP4 followed by random bytes: big enough that a PATCH is still in flight when the
    client cuts it (players ignore trailing bytes after the last box)."""
    path = _video(tmp_path)
    with path.open("ab") as handle:
        handle.write(os.urandom(padding))
    return path


@needs_node
async def test_tus_js_client_uploads_to_the_asset_url(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = _video(tmp_path)
    asset = await new_asset(client, account, source.stat().st_size)
    result = await run_node(
        "upload.cjs",
        {
            "file": str(source),
            "uploadUrl": asset["upload_url"],
            "headers": account.headers,
            "chunkSize": 16 * 1024,
        },
    )
    assert result["ok"], result
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
    ready = await wait_state(client, account, asset["id"], "ready", "failed")
    assert ready["state"] == "ready"


@needs_node
async def test_tus_js_client_resumes_after_the_connection_is_cut(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = _padded_video(tmp_path, 24 * 1024 * 1024)
    asset = await new_asset(client, account, source.stat().st_size)
    result = await run_node(
        "upload.cjs",
        {
            "file": str(source),
            "uploadUrl": asset["upload_url"],
            "headers": account.headers,
            # Several PATCHes, so the abort at 30% always lands inside one with more to come.
            "chunkSize": 4 * 1024 * 1024,
            "abortAtFraction": 0.3,
        },
    )
    assert result["ok"] and result["aborted"] and result["resumed"], result
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)


@needs_node
async def test_tus_js_client_parallel_upload_concatenates(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = _video(tmp_path, seconds=3.0)
    asset = await new_asset(client, account, source.stat().st_size)
    endpoint = asset["upload_url"].rsplit("/", 1)[0]
    result = await run_node(
        "upload.cjs",
        {
            "file": str(source),
            "endpoint": endpoint,
            "headers": account.headers,
            "parallelUploads": 3,
            "metadata": {"asset_id": asset["id"]},
        },
    )
    assert result["ok"], result
    assert result["url"] == asset["upload_url"]
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
    head = await client.head(asset["upload_url"], headers=tus_headers(account))
    assert head.headers["upload-offset"] == str(source.stat().st_size)
    assert head.headers["upload-concat"].startswith("final;")
    patch = await client.patch(
        asset["upload_url"],
        content=b"x",
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert patch.status_code == 403
    ready = await wait_state(client, account, asset["id"], "ready", "failed")
    assert ready["state"] == "ready" and ready["type"] == "video"


async def test_tuspy_resumes_after_a_cut_connection(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    """The client dies mid-PATCH: what arrived is kept (synced, committed), HEAD reports it, and
    tuspy finishes from there."""
    source = _video(tmp_path, seconds=3.0)
    data = source.read_bytes()
    asset = await new_asset(client, account, len(data))
    sent = 0

    class Cut(Exception):
        pass

    async def dying_body() -> AsyncIterator[bytes]:
        nonlocal sent
        for start in range(0, len(data) // 2, 8192):
            chunk = data[start : start + 8192]
            sent += len(chunk)
            yield chunk
            await asyncio.sleep(0)
        raise Cut

    with pytest.raises((Cut, httpx.HTTPError)):
        await client.patch(
            asset["upload_url"],
            content=dying_body(),
            headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
        )
    offsets: list[int] = []

    async def committed() -> bool:
        head = await client.head(asset["upload_url"], headers=tus_headers(account))
        offsets.append(int(head.headers["upload-offset"]))
        return offsets[-1] > 0

    await wait_until(committed, timeout=20)
    assert 0 < offsets[-1] <= sent
    await anyio.to_thread.run_sync(
        lambda: tuspy_upload(asset["upload_url"], source, account, chunk_size=256 * 1024)
    )
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
