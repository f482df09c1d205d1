"""Cancel during a render, retry of a failed step, retry of a whole pipeline; ledger exact."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from pipeline_helpers import (
    API,
    CUT_RENDER,
    assert_settled,
    balance,
    follow,
    get,
    ledger,
    start,
)
from pipeline_media import seed_input

from roughy.jobs import Runtime
from support import Account, wait_until


def ffmpeg_processes_reading(fragment: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if argv and b"ffmpeg" in argv[0] and any(fragment.encode() in a for a in argv):
            found.append(int(pid))
    return found


async def test_cancel_during_render_stops_ffmpeg_and_releases_the_hold(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, long_clip: Path
) -> None:
    seeded = await seed_input(runtime, account.user_id, long_clip)
    before = await balance(runtime, account.user_id)
    render_only = [{"processor_name": "render", "config": {"preset": "social_vertical_1080p"}}]
    pid = (await start(client, account.headers, seeded.id, render_only))["id"]

    seen = await follow(
        client, account.headers, pid,
        stop_when=lambda e: e.event == "step.progress" and e.data["progress"] > 0,
    )  # fmt: skip
    assert ffmpeg_processes_reading(seeded.id), "the render's ffmpeg is running"
    response = await client.post(f"{API}/{pid}/cancel", headers=account.headers)
    assert response.status_code == 200
    assert response.json()["cancel_requested"] is True
    assert response.json()["state"] == "running"  # the worker finishes the cancel

    rest = await follow(client, account.headers, pid, last_event_id=seen.events[-1].id)
    names = [e.event for e in rest.events]
    assert names[-1] == "pipeline.cancelled" and "step.cancelled" in names

    async def ffmpeg_gone() -> bool:
        return not ffmpeg_processes_reading(seeded.id)

    await wait_until(ffmpeg_gone, timeout=15)
    done = await get(client, account.headers, pid)
    assert done["state"] == "cancelled" and done["steps"][0]["state"] == "cancelled"
    assert done["steps"][0]["output_asset_id"] is None
    sums = await ledger(runtime, pid)
    assert sums["commit"] == 0 and sums["release"] == sums["hold"]
    assert_settled(done, sums)
    assert await balance(runtime, account.user_id) == before

    again = await client.post(f"{API}/{pid}/cancel", headers=account.headers)
    assert again.status_code == 200 and again.json()["state"] == "cancelled"


async def test_failed_render_step_is_retried_alone_and_the_pipeline_from_scratch(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, speech_clip: Path
) -> None:
    seeded = await seed_input(runtime, account.user_id, speech_clip)
    original = runtime.storage.get_bytes(seeded.storage_key)
    # Corrupt the stored source: the cut reads the prepared analysis audio and succeeds, the
    # render reads the source and fails.
    runtime.storage.put_bytes(seeded.storage_key, b"\x00not media at all" * 64)
    before = await balance(runtime, account.user_id)
    pid = (await start(client, account.headers, seeded.id, CUT_RENDER))["id"]

    first = await follow(client, account.headers, pid)
    assert [e.event for e in first.events][-1] == "pipeline.failed"
    failed = await get(client, account.headers, pid)
    cut_step, render_step = failed["steps"]
    assert cut_step["state"] == "completed" and render_step["state"] == "failed"
    assert render_step["error_code"] and render_step["error_message"]
    assert failed["error_code"] == render_step["error_code"]
    sums = await ledger(runtime, pid)
    assert sums["commits"] == 1 and sums["commit"] == cut_step["credits_consumed"] > 0
    assert_settled(failed, sums)

    # A completed step cannot be retried; the failed one can, only it runs again.
    refused = await client.post(
        f"{API}/{pid}/steps/{cut_step['id']}/retry", headers=account.headers
    )
    assert refused.status_code == 409
    runtime.storage.put_bytes(seeded.storage_key, original)
    retried = await client.post(
        f"{API}/{pid}/steps/{render_step['id']}/retry", headers=account.headers
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "pending"
    assert retried.json()["steps"][0]["state"] == "completed"
    assert (
        retried.json()["total_credits_reserved"] == sums["hold"] + render_step["credits_reserved"]
    )

    second = await follow(client, account.headers, pid, last_event_id=first.events[-1].id)
    names = [e.event for e in second.events]
    assert names[0] == "step.reset" and names[-1] == "pipeline.completed"
    assert all(e.data.get("order", 1) == 1 for e in second.events if e.event.startswith("step."))
    done = await get(client, account.headers, pid)
    assert done["state"] == "completed"
    assert done["steps"][0]["attempt"] == 1 and done["steps"][1]["attempt"] == 2
    assert done["steps"][0]["output_asset_id"] == cut_step["output_asset_id"]
    sums = await ledger(runtime, pid)
    assert sums["holds"] == 2 and sums["commits"] == 2
    assert_settled(done, sums)

    # A finished pipeline can be neither retried nor cancelled.
    assert (await client.post(f"{API}/{pid}/retry", headers=account.headers)).status_code == 409
    assert (await client.post(f"{API}/{pid}/cancel", headers=account.headers)).status_code == 409
    assert await balance(runtime, account.user_id) == before - sums["commit"]


async def test_pipeline_retry_runs_every_step_again_and_keeps_earlier_charges(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, speech_clip: Path
) -> None:
    seeded = await seed_input(runtime, account.user_id, speech_clip)
    original = runtime.storage.get_bytes(seeded.storage_key)
    runtime.storage.put_bytes(seeded.storage_key, b"\x00broken" * 64)
    pid = (await start(client, account.headers, seeded.id, CUT_RENDER))["id"]
    first = await follow(client, account.headers, pid)
    assert first.events[-1].event == "pipeline.failed"
    charged = (await ledger(runtime, pid))["commit"]

    runtime.storage.put_bytes(seeded.storage_key, original)
    response = await client.post(f"{API}/{pid}/retry", headers=account.headers)
    assert response.status_code == 200, response.text
    assert [s["state"] for s in response.json()["steps"]] == ["pending", "pending"]
    second = await follow(client, account.headers, pid, last_event_id=first.events[-1].id)
    assert second.events[-1].event == "pipeline.completed"
    done = await get(client, account.headers, pid)
    assert [s["attempt"] for s in done["steps"]] == [2, 2]
    sums = await ledger(runtime, pid)
    assert sums["holds"] == 2 and sums["commits"] == 3
    cut_step = done["steps"][0]
    assert charged == cut_step["credits_reserved"]
    assert cut_step["credits_consumed"] == 2 * charged, "the first run's cut stays charged"
    assert_settled(done, sums)
