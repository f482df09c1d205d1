"""Scale-out on object storage: two `roughy serve --no-worker` and two `roughy worker` processes
on one PostgreSQL and one bucket, each with its own data dir (nothing shared on disk). An upload
started on API 1 is resumed on API 2 (tuspy), prepared, cut and rendered by the workers; the
worker running the render is killed with SIGKILL and the other one finishes it; downloads work
from either API; one charge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import text
from tusclient import client as tus_client

from media import write_speech_wav
from roughy.bootstrap import build_runtime
from roughy.config import Settings
from s3kit import make_bucket
from stack import fresh_database
from support import create_account, free_port, make_media, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _env(settings: Settings, data_dir: Path) -> dict[str, str]:
    s3 = settings.s3
    return {
        **os.environ,
        "ROUGHY_ENVIRONMENT": "test",
        "ROUGHY_DATABASE_URL": settings.database_url or "",
        "ROUGHY_SECRET_KEY": "scale-out-secret-that-is-long-enough",
        "ROUGHY_DATA_DIR": str(data_dir),
        "ROUGHY_STORAGE_BACKEND": "s3",
        "ROUGHY_S3__BUCKET": s3.bucket,
        "ROUGHY_S3__ENDPOINT_URL": s3.endpoint_url or "",
        "ROUGHY_S3__REGION": s3.region or "",
        "ROUGHY_S3__ACCESS_KEY_ID": s3.access_key_id or "",
        "ROUGHY_S3__SECRET_ACCESS_KEY": s3.secret_access_key.get_secret_value()
        if s3.secret_access_key
        else "",
        "ROUGHY_S3__ADDRESSING_STYLE": "path",
        "ROUGHY_STALLED_JOB_SECONDS": "10",
    }


class Cluster:
    def __init__(self, settings: Settings, root: Path) -> None:
        self.settings = settings
        self.root = root
        self.apis: list[str] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        data_dir = self.root / name
        data_dir.mkdir()
        log = (self.root / f"{name}.log").open("wb")
        roughy = Path(sys.executable).with_name("roughy")
        process = subprocess.Popen(
            [str(roughy), *args], env=_env(self.settings, data_dir), stdout=log, stderr=log
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        for index in (1, 2):
            port = free_port()
            self._spawn(f"api{index}", "serve", "--no-worker", "--port", str(port))
            self.apis.append(f"http://127.0.0.1:{port}")
        for index in (1, 2):
            self.workers.append(self._spawn(f"worker{index}", "worker", "--concurrency", "1"))
        for url in self.apis:
            _wait_ready(url)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} never became ready")


@pytest.fixture(scope="module")
def cluster(
    local_settings: Settings, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    for url in fresh_database(f"roughy_scale_{os.getpid()}"):
        settings = local_settings.model_copy(
            update={
                "database_url": url,
                "storage_backend": "s3",
                "s3": make_bucket(s3_endpoint, "roughy-scale-out"),
                "data_dir": tmp_path_factory.mktemp("scale-out-tests"),
            }
        )
        stack = Cluster(settings, tmp_path_factory.mktemp("scale-out"))
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()


def _speech_video(directory: Path) -> Path:
    """720p MPEG-4 Part 2 video over a looped speech track: > 8 MiB (multipart on S3), and every
    render of it is a full H.264 re-encode that takes long enough to kill a worker inside it."""
    wav = write_speech_wav(directory / "speech.wav")
    return make_media(
        directory / "talk.mp4",
        "-stream_loop", "3", "-i", str(wav),
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
        "-shortest", "-map", "1:v", "-map", "0:a",
        "-c:v", "mpeg4", "-q:v", "2", "-c:a", "aac", "-ar", "48000",
    )  # fmt: skip


def _ffmpeg_parent(pids: set[int]) -> int | None:
    """Which of `pids` has an ffmpeg child right now (the worker running the render)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent in pids and b"ffmpeg" in cmdline.split(b"\0", 1)[0]:
            return parent
    return None


async def _state(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> dict[str, str]:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _wait_for(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], *states: str
) -> dict[str, str]:
    seen: dict[str, str] = {}

    async def reached() -> bool:
        seen.update(await _state(client, path, headers))
        return seen["state"] in states

    await wait_until(reached, timeout=300, interval=0.5)
    return seen


async def test_two_apis_two_workers_one_bucket(cluster: Cluster, tmp_path: Path) -> None:
    runtime = build_runtime(cluster.settings, migrate=False)
    try:
        account = await create_account(runtime, credits_granted=100)
    finally:
        await runtime.db.dispose()
    headers = account.headers
    source = _speech_video(tmp_path)
    size = source.stat().st_size
    assert size > 2 * 8 * 1024 * 1024
    api1, api2 = cluster.apis
    async with httpx.AsyncClient(timeout=60) as client:
        project = await client.post(f"{api1}/v1/projects", json={"name": "s"}, headers=headers)
        created = await client.post(
            f"{api1}/v1/assets",
            json={"project_id": project.json()["id"], "size_bytes": size},
            headers=headers,
        )
        asset = created.json()
        asset_id = asset["id"]

        def first_half() -> None:
            tus = tus_client.TusClient(f"{api1}/v1/uploads", headers=headers)
            uploader = tus.uploader(
                file_path=str(source), url=asset["upload_url"], chunk_size=5 * 1024 * 1024
            )
            uploader.upload(stop_at=10 * 1024 * 1024)

        await anyio.to_thread.run_sync(first_half)
        on_api2 = f"{api2}/v1/uploads/{asset_id}"
        head = await client.head(on_api2, headers={**headers, "Tus-Resumable": "1.0.0"})
        assert head.headers["Upload-Offset"] == str(10 * 1024 * 1024)

        def second_half() -> None:
            tus = tus_client.TusClient(f"{api2}/v1/uploads", headers=headers)
            tus.uploader(file_path=str(source), url=on_api2, chunk_size=5 * 1024 * 1024).upload()

        await anyio.to_thread.run_sync(second_half)
        ready = await _wait_for(client, f"{api2}/v1/assets/{asset_id}", headers, "ready", "failed")
        assert ready["state"] == "ready", ready

        cut = await client.post(f"{api1}/v1/cuts", json={"asset_id": asset_id}, headers=headers)
        assert cut.status_code == 201, cut.text
        done_cut = await _wait_for(
            client, f"{api2}/v1/cuts/{cut.json()['id']}", headers, "completed", "failed"
        )
        assert done_cut["state"] == "completed", done_cut

        render = await client.post(
            f"{api2}/v1/renders",
            json={"asset_id": asset_id, "cut_id": done_cut["id"], "output": {"format": "mp4"}},
            headers=headers,
        )
        assert render.status_code == 201, render.text
        render_path = f"/v1/renders/{render.json()['id']}"
        workers = {process.pid: process for process in cluster.workers}
        running: list[int] = []

        async def rendering() -> bool:
            pid = _ffmpeg_parent(set(workers))
            if pid is not None:
                running.append(pid)
            return pid is not None

        await wait_until(rendering, timeout=120, interval=0.05)
        workers[running[0]].send_signal(signal.SIGKILL)
        workers[running[0]].wait(timeout=10)
        assert (await _state(client, api1 + render_path, headers))["state"] == "processing"

        finished = await _wait_for(client, api1 + render_path, headers, "completed", "failed")
        assert finished["state"] == "completed", finished
        for api in (api1, api2):
            url = (await _state(client, api + render_path, headers))["download_url"]
            downloaded = await client.get(url)
            assert downloaded.status_code == 200
            assert len(downloaded.content) == int(finished["size_bytes"])
        source_url = (await _state(client, f"{api1}/v1/assets/{asset_id}", headers))["download_url"]
        assert (await client.get(source_url)).content == source.read_bytes()

    runtime = build_runtime(cluster.settings, migrate=False)
    try:
        async with runtime.db.transaction() as session:
            charges = (
                await session.execute(
                    text("SELECT delta FROM ledger_entries WHERE user_id = :u AND delta < 0"),
                    {"u": account.user_id},
                )
            ).all()
    finally:
        await runtime.db.dispose()
    assert len(charges) == 1
