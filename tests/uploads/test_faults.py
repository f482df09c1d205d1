"""Fault tests: a second writer on the same upload, and the server process killed with SIGKILL
mid-PATCH. After each, HEAD reports only durable bytes and the finished file is byte-exact."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from tuskit import OFFSET_CT, new_asset, sha256_file, stored_sha256, tus_headers, tuspy_upload

from roughy.assets.service import staging_path
from roughy.config import Settings
from roughy.jobs import Runtime
from support import Account, make_tone_video, wait_until


def _padded_video(tmp_path: Path, padding: int) -> Path:
    path = make_tone_video(tmp_path / "clip.mp4", seconds=1.0, size="160x120")
    with path.open("ab") as handle:
        handle.write(os.urandom(padding))
    return path


def _part_size(settings: Settings, upload_id: str) -> int:
    path = staging_path(settings, upload_id)
    return path.stat().st_size if path.exists() else 0


async def _stalling_body(
    data: bytes, first: int, release: asyncio.Event, step: int = 32 * 1024
) -> AsyncIterator[bytes]:
    """The first `first` bytes of `data`, then nothing until `release`: a writer gone quiet
    mid-request, still holding the upload."""
    for start in range(0, first, step):
        yield data[start : start + step]
    await release.wait()


async def test_a_second_writer_takes_over_a_stale_one(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    source = _padded_video(tmp_path, 3 * 1024 * 1024)
    data = source.read_bytes()
    asset = await new_asset(client, account, len(data))
    url = asset["upload_url"]
    headers = {**tus_headers(account), **OFFSET_CT}
    first = await client.patch(url, content=data[:65536], headers={**headers, "Upload-Offset": "0"})
    assert first.status_code == 204

    release = asyncio.Event()
    stalled = _stalling_body(data[65536:], 256 * 1024, release)
    stale = asyncio.create_task(
        client.patch(url, content=stalled, headers={**headers, "Upload-Offset": "65536"})
    )

    async def writing() -> bool:
        return _part_size(runtime.settings, asset["id"]) > 65536 + 100_000

    await wait_until(writing, timeout=30, interval=0.02)
    second = await client.patch(
        url, content=data[65536:], headers={**headers, "Upload-Offset": "65536"}
    )
    release.set()
    # The stale writer was asked to stop; it synced and committed what it had, so the newcomer's
    # offset is out of date. (What the stale client sees, 423 or a closed connection, depends
    # on when its transport notices; the upload's state below is what matters.)
    assert second.status_code == 409, second.text
    assert second.json()["error"]["code"] == "offset_mismatch"
    with contextlib.suppress(httpx.HTTPError):
        await stale
    head = await client.head(url, headers=tus_headers(account))
    offset = int(head.headers["upload-offset"])
    assert 65536 < offset < len(data)
    with staging_path(runtime.settings, asset["id"]).open("rb") as handle:
        assert handle.read(offset) == data[:offset]
    await anyio.to_thread.run_sync(
        lambda: tuspy_upload(url, source, account, chunk_size=1024 * 1024)
    )
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)


@pytest.fixture
def second_server(settings: Settings, tmp_path: Path) -> object:
    """A separate `roughy serve --no-worker` process on the same database and data dir."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {
        **os.environ,
        "ROUGHY_DATABASE_URL": settings.database_url or "",
        "ROUGHY_DATA_DIR": str(settings.data_dir),
        "ROUGHY_SECRET_KEY": settings.secret_key,
        "ROUGHY_ENVIRONMENT": "test",
        "ROUGHY_UPLOAD_IDLE_TIMEOUT_SECONDS": "60",
        "ROUGHY_LOG_LEVEL": "WARNING",
    }
    roughy = Path(sys.executable).with_name("roughy")
    process = subprocess.Popen(
        [str(roughy), "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client() as http:
            for _ in range(300):
                try:
                    if http.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError((tmp_path / "serve.log").read_text())
                import time

                time.sleep(0.1)
            else:
                raise RuntimeError("roughy serve did not start")
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def test_resume_after_the_server_process_is_killed_mid_patch(
    client: httpx.AsyncClient,
    account: Account,
    runtime: Runtime,
    tmp_path: Path,
    second_server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = second_server
    source = _padded_video(tmp_path, 4 * 1024 * 1024)
    data = source.read_bytes()
    asset = await new_asset(client, account, len(data))
    path = asset["upload_url"].split("/v1/", 1)[1]
    doomed_url = f"{base}/v1/{path}"
    headers = {**tus_headers(account), **OFFSET_CT}
    committed = 100_000
    async with httpx.AsyncClient(timeout=30) as other:
        first = await other.patch(
            doomed_url, content=data[:committed], headers={**headers, "Upload-Offset": "0"}
        )
        assert first.status_code == 204 and first.headers["upload-offset"] == str(committed)

        release = asyncio.Event()

        async def doomed_patch() -> None:
            with contextlib.suppress(httpx.HTTPError):
                await other.patch(
                    doomed_url,
                    content=_stalling_body(data[committed:], 320 * 1024, release),
                    headers={**headers, "Upload-Offset": str(committed)},
                )

        writer = asyncio.create_task(doomed_patch())

        async def uncommitted_bytes_on_disk() -> bool:
            return _part_size(runtime.settings, asset["id"]) > committed + 200_000

        await wait_until(uncommitted_bytes_on_disk, timeout=30, interval=0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        release.set()
        await writer

    assert _part_size(runtime.settings, asset["id"]) > committed
    head = await client.head(asset["upload_url"], headers=tus_headers(account))
    assert head.status_code == 200
    assert head.headers["upload-offset"] == str(committed)
    await anyio.to_thread.run_sync(
        lambda: tuspy_upload(asset["upload_url"], source, account, chunk_size=1024 * 1024)
    )
    assert await stored_sha256(runtime, asset["id"]) == sha256_file(source)
