"""End to end: a spoken-word episode uploaded, cut and rendered through the real API.

    .venv/bin/python bench/end_to_end.py [--minutes 60] [--source FILE] [--vfr [joined|variable]]

Starts a real `roughy serve` (API + in-process worker) on a temporary data dir, then as a client:
tus upload (tuspy) -> cut asked for at once (it waits for the preparation on the server) -> asset
ready -> cut completed -> mp4 render of the cut, and prints each phase's wall
time, the render path the server took (and why it fell back, if it did), the output's A/V drift
at the end, the total, and the ratio of the total to the media duration. Sources are generated
(espeak-ng speech on a synthetic 720p H.264 picture, see bench/e2e_sources.py) and cached under
bench/out/; `--vfr` runs the two variable-frame-rate sources instead of the constant-rate one.
The last line is the total as a ratio to the media duration (goal for 60 minutes on 2 cores:
15 minutes, 0.25).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tusclient.client import TusClient

from roughy.engine.probe import MediaInfo, probe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too
from bench.e2e_sources import ensure
from bench.upload_throughput import free_port, make_account, wait_http

CHUNK = 64 * 1024 * 1024
POLL_SECONDS = 0.25


@dataclass
class Run:
    name: str
    media_s: float
    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    render: dict[str, Any] = field(default_factory=dict)
    drift_ms: float | None = None
    kept_s: float = 0.0

    @property
    def total_s(self) -> float:
        return sum(self.phases.values())


class Client:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.auth = {"Authorization": f"Bearer {key}"}
        self.http = httpx.Client(base_url=base, headers=self.auth, timeout=60)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(path, json=body)

    def get(self, path: str) -> dict[str, Any]:
        response = self.http.get(path)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def wait(self, path: str, done: str, progress: str) -> dict[str, Any]:
        """Poll until `state` is `done`; anything terminal and different is an error."""
        last = ""
        while True:
            item = self.get(path)
            state = item["state"]
            if state == done:
                print(f"\r  {progress}: {done}{' ' * 20}" if sys.stdout.isatty() else "", end="")
                return item
            if state in ("failed", "cancelled", "pending_payment"):
                raise RuntimeError(f"{path} is {state}: {item.get('error_message')}")
            shown = f"{state} {100 * (item.get('progress') or 0):.0f}%"
            if shown != last and sys.stdout.isatty():
                print(f"\r  {progress}: {shown}", end="", flush=True)
                last = shown
            time.sleep(POLL_SECONDS)


def upload(client: Client, project_id: str, source: Path) -> str:
    created = client.post(
        "/v1/assets", {"project_id": project_id, "size_bytes": source.stat().st_size}
    )
    created.raise_for_status()
    asset = created.json()
    tus = TusClient(f"{client.base}/v1/uploads", headers=client.auth)
    tus.uploader(str(source), url=asset["upload_url"], chunk_size=CHUNK).upload()
    return str(asset["id"])


def request_cut(client: Client, asset_id: str) -> str:
    """POST the cut right after the upload: the server accepts it while the asset is prepared
    (a 409 `asset_processing` only while the upload is unfinished: honour Retry-After)."""
    while True:
        response = client.post("/v1/cuts", {"asset_id": asset_id})
        if response.status_code in (200, 201):
            return str(response.json()["id"])
        if response.status_code == 409 and response.json()["error"]["code"] == "asset_processing":
            time.sleep(min(POLL_SECONDS, float(response.headers.get("Retry-After", "1"))))
            continue
        raise RuntimeError(f"cut: {response.status_code} {response.text[:300]}")


def cpu_seconds(pid: int) -> float:
    """CPU time of the server (all threads) and of its finished children (ffmpeg)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def run_once(
    client: Client, project_id: str, source: Path, name: str, data_dir: Path, server_pid: int
) -> Run:
    info = probe(source)
    run = Run(name, info.duration_us / 1e6)
    print(f"\n{name}: {source.name}, {run.media_s / 60:.1f} min, {_describe(info)}", flush=True)
    clock = time.perf_counter()
    cpu = cpu_seconds(server_pid)

    def lap(phase: str) -> None:
        nonlocal clock, cpu
        now, now_cpu = time.perf_counter(), cpu_seconds(server_pid)
        run.phases[phase] = now - clock
        run.cpu[phase] = now_cpu - cpu
        clock, cpu = now, now_cpu

    asset_id = upload(client, project_id, source)
    lap("upload")
    cut_id = request_cut(client, asset_id)  # accepted during preparation: it starts right after
    client.wait(f"/v1/assets/{asset_id}", "ready", "preparation")
    lap("preparation")
    cut = client.wait(f"/v1/cuts/{cut_id}", "completed", "cut")
    lap("cut")
    created = client.post(
        "/v1/renders", {"asset_id": asset_id, "cut_id": cut_id, "output": {"format": "mp4"}}
    )
    created.raise_for_status()
    run.render = client.wait(f"/v1/renders/{created.json()['id']}", "completed", "render")
    lap("render")
    run.kept_s = float(run.render["duration_seconds"])
    run.drift_ms = _drift_ms(_stored(data_dir, run.render["id"]))
    removed = len(cut.get("removed_spans") or [])
    print(f"  cut removed {removed} spans; {run.kept_s / 60:.1f} min kept", flush=True)
    return run


def _describe(info: MediaInfo) -> str:
    video = info.video
    if video is None:
        return "audio only"
    kind = "variable frame rate" if video.is_vfr else "constant frame rate"
    return f"{video.width}x{video.height} {kind} (nominal {float(video.frame_rate or 0):.3f} fps)"


def _stored(data_dir: Path, render_id: str) -> Path:
    return next((data_dir / "storage").rglob(f"renders/{render_id}.*"))


def _drift_ms(path: Path) -> float | None:
    """End-of-file gap between the output's audio and video streams."""
    out = probe(path)
    if out.video is None or out.audio is None:
        return None
    if out.video.duration_us is None or out.audio.duration_us is None:
        return None
    return abs(out.video.duration_us - out.audio.duration_us) / 1000


def report(run: Run) -> None:
    for phase, seconds in run.phases.items():
        print(
            f"  {phase:12s} {seconds:8.1f} s   ({run.media_s / seconds:6.1f}x realtime)   "
            f"server CPU {run.cpu[phase]:7.1f} s"
        )
    path = run.render.get("render_path", "?")
    reason = run.render.get("fallback_reason")
    print(f"  render path: {path}" + (f" (fallback: {reason})" if reason else ""))
    print(f"  A/V drift at the end of the output: {run.drift_ms} ms")
    print(
        f"  total        {run.total_s:8.1f} s   for {run.media_s:.0f} s of media: "
        f"ratio {run.total_s / run.media_s:.3f}; server CPU {sum(run.cpu.values()):.1f} s "
        f"(CPU / 2 cores / media: {sum(run.cpu.values()) / 2 / run.media_s:.3f})",
        flush=True,
    )


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ROUGHY_DATA_DIR": str(data_dir), "ROUGHY_LOG_LEVEL": "WARNING"}
    env.pop("ROUGHY_DATABASE_URL", None)
    roughy = Path(sys.executable).with_name("roughy")
    server = subprocess.Popen(
        [str(roughy), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/healthz", server)
    return server, url


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--source", type=Path, help="use this file instead of a generated one")
    parser.add_argument(
        "--vfr",
        nargs="?",
        const="both",
        choices=("joined", "variable", "both"),
        help="the variable-frame-rate sources (clips joined with gaps, a real VFR phone file)",
    )
    args = parser.parse_args()
    if args.source is not None:
        sources = [(args.source.name, args.source.resolve())]
    else:
        kinds = {None: ["cfr"], "both": ["joined", "variable"]}.get(args.vfr, [args.vfr])
        print(f"sources ({args.minutes:g} min; generated once, cached in bench/out/)...")
        sources = [(kind, ensure(kind, args.minutes)) for kind in kinds]
    work = Path(tempfile.mkdtemp(prefix="roughy-e2e-"))
    data_dir = work / "data"
    server = None
    try:
        key, project_id = asyncio.run(make_account(data_dir))
        server, url = start_server(data_dir)
        client = Client(url, key)
        runs = []
        for name, source in sources:
            run = run_once(client, project_id, source, name, data_dir, server.pid)
            report(run)
            runs.append(run)
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average (1/5/15 min) at the end: {' '.join(map(str, os.getloadavg()))}")
    print(
        "ratio (total / media duration; goal <= 0.25): "
        + "; ".join(f"{r.name} {r.total_s / r.media_s:.3f}" for r in runs)
    )


if __name__ == "__main__":
    main()
