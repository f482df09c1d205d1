"""Crash leftovers do not pile up: a killed render's work directories are swept once nothing has
touched them for an hour, and a deleted project's unfinished uploads lose their staged bytes at
once (not at the next periodic sweep)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

from roughy.assets.service import staging_path
from roughy.jobs import JobContext, Runtime
from roughy.jobs.registry import run_registered
from support import Account, make_tone_video, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uploads"))

from tuskit import OFFSET_CT, new_asset, new_project, tus_headers


def _leftover(root: Path, name: str, age_seconds: float) -> Path:
    """A render work dir as a killed worker leaves it: data/tmp/render-*/.roughy-render-*/."""
    work = root / name / ".roughy-render-abc123"
    work.mkdir(parents=True)
    segment = work / "segment-0001.mp4"
    segment.write_bytes(b"\0" * 1024)
    then = time.time() - age_seconds
    for path in (segment, work, work.parent):
        os.utime(path, (then, then))
    return root / name


async def test_killed_render_work_dirs_are_swept(runtime: Runtime) -> None:
    scratch = runtime.settings.scratch_dir
    dead = _leftover(scratch, "render-killed", age_seconds=2 * 3600)
    stray = scratch / "0191-dead.analysis.wav.partial"
    stray.write_bytes(b"RIFF")
    os.utime(stray, (time.time() - 7200, time.time() - 7200))
    live = _leftover(scratch, "render-running", age_seconds=2 * 3600)
    (live / ".roughy-render-abc123" / "segment-0002.mp4").write_bytes(b"fresh")

    await run_registered(
        JobContext(runtime=runtime, job_id=0, attempts=0), "storage.sweep_scratch", {}
    )
    assert not dead.exists() and not stray.exists()
    assert (live / ".roughy-render-abc123" / "segment-0002.mp4").exists()


async def test_deleting_a_project_drops_its_unfinished_upload_bytes_at_once(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    media = make_tone_video(tmp_path / "a.mp4", seconds=1, size="160x120").read_bytes()
    project = await new_project(client, account)
    asset = await new_asset(client, account, len(media), project_id=project)
    sent = await client.patch(
        asset["upload_url"],
        content=media[: len(media) // 2],
        headers={**tus_headers(account), **OFFSET_CT, "Upload-Offset": "0"},
    )
    assert sent.status_code == 204
    part = staging_path(runtime.settings, asset["id"])
    assert part.exists()

    deleted = await client.delete(f"/v1/projects/{project}", headers=account.headers)
    assert deleted.status_code == 204

    async def gone() -> bool:
        return not part.exists()

    await wait_until(gone, timeout=20)
