"""Upload throughput: Roughy's tus PATCH path against the practical ceiling of one Python process.

Uploads SIZE MiB in 64 MiB PATCHes over loopback to a real `roughy serve --no-worker` subprocess
and, in the same run, to a bare ASGI app on uvicorn that only drains each request body into a
file and fsyncs it. Prints both rates, the ratio (goal >= 0.8) and the Roughy server's peak RSS
(VmHWM; goal < 200 MB). The final line is the ratio.

    .venv/bin/python bench/upload_throughput.py [--size-mib 1024] [--rounds 3]
    .venv/bin/python bench/upload_throughput.py --storage s3   (see bench/upload_s3.py)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from roughy.kit.files import read_range

MIB = 1024 * 1024
CHUNK = 64 * MIB
READ = 1 * MIB


# ---------------------------------------------------------------------------------------------
# The baseline: drain + write + fsync, nothing else


def sink_app(directory: Path) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        headers = dict(scope["headers"])
        offset = int(headers.get(b"upload-offset", b"0"))
        fd = os.open(directory / "sink.bin", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.lseek(fd, offset, os.SEEK_SET)
            while True:
                message = await receive()
                body = message.get("body", b"")
                if body:
                    view = memoryview(body)
                    while view:
                        view = view[os.write(fd, view) :]
                if not message.get("more_body", False):
                    break
            await asyncio.to_thread(os.fdatasync, fd)
            end = os.lseek(fd, 0, os.SEEK_CUR)
        finally:
            os.close(fd)
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"upload-offset", str(end).encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    return app


def run_sink(port: int, directory: Path) -> None:
    import uvicorn

    uvicorn.run(sink_app(directory), host="127.0.0.1", port=port, log_level="warning")


# ---------------------------------------------------------------------------------------------
# Helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def make_source(path: Path, size: int) -> None:
    """A real MP4 head (so Roughy's first-chunk sniffing accepts it) padded with random bytes."""
    import imageio_ffmpeg

    head = path.with_suffix(".head.mp4")
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:a",
            "aac",
            str(head),
        ],
        check=True,
    )
    block = os.urandom(MIB)
    with path.open("wb") as out:
        out.write(head.read_bytes())
        while out.tell() < size:
            out.write(block[: min(MIB, size - out.tell())])
    head.unlink()


def body(path: Path, start: int, end: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from read_range(handle, start, end, READ)


def upload(url: str, path: Path, headers: dict[str, str]) -> float:
    """PATCH the file in 64 MiB requests; returns MiB/s."""
    size = path.stat().st_size
    offset = 0
    started = time.perf_counter()
    with httpx.Client(timeout=httpx.Timeout(30, read=600)) as http:
        while offset < size:
            end = min(size, offset + CHUNK)
            response = http.patch(
                url,
                content=body(path, offset, end),
                headers={
                    **headers,
                    "Tus-Resumable": "1.0.0",
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                    "Content-Length": str(end - offset),
                },
            )
            if response.status_code != 204:
                raise RuntimeError(f"PATCH failed: {response.status_code} {response.text[:300]}")
            offset = int(response.headers["upload-offset"])
    elapsed = time.perf_counter() - started
    return size / MIB / elapsed


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------------
# Roughy set-up: an account, a key, credits, a project (through the services, like the CLI)


async def make_account(data_dir: Path) -> tuple[str, str]:
    from roughy.auth import service as auth
    from roughy.bootstrap import build_runtime
    from roughy.config import Settings
    from roughy.credits import service as credits
    from roughy.projects import service as projects
    from roughy.projects.schemas import ProjectCreate

    runtime = await asyncio.to_thread(build_runtime, Settings(data_dir=data_dir))
    try:
        async with runtime.db.transaction() as session:
            user = await auth.create_user(
                session, "bench@example.com", "bench-password", verified=True
            )
            issued = await auth.issue_key(session, user, name="bench", kind=auth.KIND_API)
            await credits.grant(session, user.id, 100_000, memo="bench")
            project = await projects.create(session, user, ProjectCreate(name="bench"))
        return issued.plaintext, project.id
    finally:
        await runtime.db.dispose()


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def alternate(rounds: int, first: Callable[[], None], second: Callable[[], None]) -> None:
    """Run both `rounds` times, switching which goes first each round."""
    for round_index in range(rounds):
        order = (first, second) if round_index % 2 == 0 else (second, first)
        for run in order:
            run()


def _runs(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3, help="best of N for each server")
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.port, args.dir)
        return
    if args.storage == "s3":
        from upload_s3 import run

        run(args.size_mib, args.rounds)
        return

    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="roughy-bench-"))
    data_dir = work / "data"
    sink_dir = work / "sink"
    sink_dir.mkdir()
    source = work / "source.mp4"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        make_source(source, size)
        key, project_id = asyncio.run(make_account(data_dir))
        roughy_port, sink_port = free_port(), free_port()
        env = {
            **os.environ,
            "ROUGHY_DATA_DIR": str(data_dir),
            "ROUGHY_LOG_LEVEL": "WARNING",
        }
        env.pop("ROUGHY_DATABASE_URL", None)
        roughy_bin = Path(sys.executable).with_name("roughy")
        serve = subprocess.Popen(
            [str(roughy_bin), "serve", "--no-worker", "--port", str(roughy_port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        processes.append(serve)
        sink = subprocess.Popen(
            [sys.executable, __file__, "--sink", "--port", str(sink_port), "--dir", str(sink_dir)],
            stdout=subprocess.DEVNULL,
        )
        processes.append(sink)
        roughy_url = f"http://127.0.0.1:{roughy_port}"
        wait_http(f"{roughy_url}/healthz", serve)
        wait_http(f"http://127.0.0.1:{sink_port}/", sink)
        auth = {"Authorization": f"Bearer {key}"}

        roughy_rates: list[float] = []
        sink_rates: list[float] = []

        def run_sink_once() -> None:
            (sink_dir / "sink.bin").unlink(missing_ok=True)
            os.sync()
            sink_rates.append(upload(f"http://127.0.0.1:{sink_port}/upload", source, {}))

        def run_roughy_once() -> None:
            shutil.rmtree(data_dir / "storage" / "projects", ignore_errors=True)
            created = httpx.post(
                f"{roughy_url}/v1/assets",
                json={"project_id": project_id, "size_bytes": size},
                headers=auth,
                timeout=30,
            )
            created.raise_for_status()
            os.sync()
            roughy_rates.append(upload(created.json()["upload_url"], source, auth))

        # Alternate which server goes first, and flush pending writeback before every run, so
        # neither side pays for the other's dirty pages.
        alternate(args.rounds, run_sink_once, run_roughy_once)
        rss = peak_rss_mb(serve.pid)
        best_roughy, best_sink = max(roughy_rates), max(sink_rates)
        ratio = best_roughy / best_sink
        print(f"size: {args.size_mib} MiB in {CHUNK // MIB} MiB PATCHes, best of {args.rounds}")
        print(f"roughy tus PATCH: {best_roughy:.1f} MiB/s  (runs: {_runs(roughy_rates)})")
        print(
            f"bare ASGI sink (drain + write + fsync): {best_sink:.1f} MiB/s"
            f"  (runs: {_runs(sink_rates)})"
        )
        print(f"roughy server peak RSS (VmHWM): {rss:.1f} MB (goal < 200)")
        print(f"ratio (goal >= 0.8): {ratio:.3f}")
        print(f"{ratio:.3f}")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
