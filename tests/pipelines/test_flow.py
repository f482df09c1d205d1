"""A cut -> render pipeline on spoken media, observed end to end through Server-Sent Events."""

from __future__ import annotations

from pathlib import Path

import httpx
from pipeline_helpers import (
    API,
    CUT_RENDER,
    Collected,
    assert_settled,
    balance,
    follow,
    get,
    ledger,
    start,
)
from pipeline_media import seed_input

from roughy.jobs import Runtime
from support import Account


async def test_cut_then_render_observed_live_with_a_reconnect(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, speech_clip: Path
) -> None:
    seeded = await seed_input(runtime, account.user_id, speech_clip)
    before = await balance(runtime, account.user_id)
    created = await start(client, account.headers, seeded.id, CUT_RENDER)
    pid = created["id"]
    assert created["state"] == "pending"  # step 0 cannot start before the request commits
    assert [s["processor_name"] for s in created["steps"]] == ["cut", "render"]
    assert created["total_credits_reserved"] > 0

    # The hold shows on the legacy balance, per pipeline.
    held = (await client.get("/api/v1/credits/balance", headers=account.headers)).json()
    assert {"pipeline_id": pid, "amount": created["total_credits_reserved"]}.items() <= next(
        h for h in held["holds"] if h["pipeline_id"] == pid
    ).items()

    # First connection: read until the cut step is running, then drop the connection.
    first = await follow(
        client, account.headers, pid, stop_when=lambda e: e.event == "step.running"
    )
    assert first.events[0].event == "pipeline.created"
    resume_at = first.events[-1].id
    # Reconnect with Last-Event-ID and read to the end.
    rest = await follow(client, account.headers, pid, last_event_id=resume_at, into=Collected())
    assert rest.closed_by_server
    events = first.events + rest.events
    ids = [e.id for e in events]
    assert ids == list(range(1, len(ids) + 1)), "no event lost or repeated across the reconnect"
    names = [e.event for e in events]
    assert names[-1] == "pipeline.completed"
    assert names.count("step.completed") == 2
    assert "pipeline.running" in names
    step_events = [e for e in events if e.event.startswith("step.")]
    assert all(0.0 <= e.data["progress"] <= 1.0 for e in step_events)

    # A full replay gives the same sequence, and ends at once.
    replay = await follow(client, account.headers, pid)
    assert [e.id for e in replay.events] == ids and replay.closed_by_server

    done = await get(client, account.headers, pid)
    assert done["state"] == "completed" and done["progress"] == 1.0
    cut_step, render_step = done["steps"]
    assert cut_step["state"] == render_step["state"] == "completed"
    assert done["output_asset_ids"] == [cut_step["output_asset_id"], render_step["output_asset_id"]]
    # The render step says which path it took, like a /v1 render (also in its SSE event).
    assert render_step["render_path"] == "smart" and render_step["fallback_reason"] is None
    assert cut_step["render_path"] is None and cut_step["fallback_reason"] is None
    completed = [e.data for e in events if e.event == "step.completed"][-1]
    assert (completed["render_path"], completed["fallback_reason"]) == (
        render_step["render_path"],
        render_step["fallback_reason"],
    )

    # Outputs are assets of the input's project, served by the asset endpoints.
    srt_asset = (
        await client.get(f"/api/v1/assets/{cut_step['output_asset_id']}", headers=account.headers)
    ).json()
    assert srt_asset["type"] == "cut_file" and srt_asset["state"] == "ready"
    srt = (await client.get(srt_asset["download_url"])).text
    assert "KEEP" in srt and "DROP" in srt and "-->" in srt
    video_asset = (
        await client.get(
            f"/api/v1/assets/{render_step['output_asset_id']}", headers=account.headers
        )
    ).json()
    assert video_asset["type"] == "rendered_video" and video_asset["size_bytes"] > 0
    mp4 = (await client.get(video_asset["download_url"])).content
    assert mp4[4:8] == b"ftyp"
    # The render is the cut: shorter than the input, and billed on its own length.
    assert float(video_asset["duration_seconds"]) < seeded.duration_us / 1e6

    sums = await ledger(runtime, pid)
    assert sums["holds"] == 1 and sums["commits"] == 2
    assert_settled(done, sums)
    assert cut_step["credits_consumed"] == cut_step["credits_reserved"]
    assert render_step["credits_consumed"] <= render_step["credits_reserved"]
    assert await balance(runtime, account.user_id) == before - sums["commit"]
    held = (await client.get("/api/v1/credits/balance", headers=account.headers)).json()
    assert all(h["pipeline_id"] != pid for h in held["holds"])

    listed = (await client.get(API, headers=account.headers)).json()
    assert [p["id"] for p in listed["items"]] == [pid] and listed["total"] == 1
