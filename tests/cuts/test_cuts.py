"""/v1/cuts over real HTTP: idempotency, the asset-state 409s, progress, the plan, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import opentimelineio as otio
import pytest
import v1_seed
from sqlalchemy import func, select
from v1_seed import seed_asset

from roughy.assets.models import Asset
from roughy.cuts.models import Cut, Transcript
from roughy.jobs import Runtime
from support import Account, wait_until


async def wait_cut(client: httpx.AsyncClient, account: Account, cut_id: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def done() -> bool:
        response = await client.get(f"/v1/cuts/{cut_id}", headers=account.headers)
        assert response.status_code == 200
        seen.update(response.json())
        if seen["state"] == "processing" and seen["progress"] is not None:
            assert 0 <= seen["progress"] <= 1  # None until the first progress write
        return seen["state"] in ("completed", "failed")

    await wait_until(done, timeout=240, interval=0.25)
    return seen


@pytest.mark.backends("local", "s3")
async def test_cut_is_idempotent_and_exposes_its_plan(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, talking_head: Path
) -> None:
    asset = await seed_asset(runtime, account.user_id, talking_head)
    first = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert first.status_code == 201, first.text
    cut = first.json()
    assert first.headers["location"] == f"/v1/cuts/{cut['id']}"
    assert cut["state"] == "pending"  # the job cannot start before the request commits
    assert cut["asset_id"] == asset.id and cut["project_id"] == asset.project_id
    assert cut["script"] is None and cut["kept_segments"] is None

    again = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert again.status_code == 200
    assert again.json()["id"] == cut["id"]
    assert "location" not in again.headers

    scripted = await client.post(
        "/v1/cuts",
        json={"asset_id": asset.id, "script": "Hello and welcome to the show."},
        headers=account.headers,
    )
    assert scripted.status_code == 201
    assert scripted.json()["id"] != cut["id"]

    done = await wait_cut(client, account, cut["id"])
    assert done["state"] == "completed", done
    assert done["progress"] == 1.0
    assert done["started_at"] and done["completed_at"]
    assert done["error_code"] is None
    kept = done["kept_segments"]
    assert kept, done
    total = sum(float(s["end"]) - float(s["start"]) for s in kept)
    assert abs(float(done["kept_duration_seconds"]) - total) < 1e-5
    assert float(done["kept_duration_seconds"]) < float(done["source_duration_seconds"])
    for span in done["removed_spans"]:
        assert span["kind"] in {
            "filler",
            "silence",
            "false_start",
            "retake",
            "retake_cue",
            "off_script",
            "stutter",
        }
        assert 0 <= span["confidence"] <= 1 and span["reason"]
        assert float(span["end"]) > float(span["start"])

    # the whole plan covers the source exactly once
    edges = sorted(
        [(float(s["start"]), float(s["end"])) for s in kept]
        + [(float(s["start"]), float(s["end"])) for s in done["removed_spans"]]
    )
    cursor = 0.0
    for start, end in edges:
        assert abs(start - cursor) < 1e-5
        cursor = end
    assert abs(cursor - float(done["source_duration_seconds"])) < 1e-5

    scripted_done = await wait_cut(client, account, scripted.json()["id"])
    assert scripted_done["state"] == "completed", scripted_done
    assert scripted_done["script"] == "Hello and welcome to the show."
    async with runtime.db.transaction() as session:
        cached = await session.scalar(
            select(func.count()).select_from(Transcript).where(Transcript.asset_id == asset.id)
        )
    assert cached == 1  # the second cut (another script) reused the transcript

    # a third identical request after completion is still the same cut
    third = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert third.status_code == 200 and third.json()["id"] == cut["id"]

    listed = await client.get(
        "/v1/cuts", params={"asset_id": asset.id, "state": "completed"}, headers=account.headers
    )
    assert listed.status_code == 200
    page = listed.json()
    # both cuts of the asset are completed; newest first
    assert [c["id"] for c in page["items"]] == [scripted_done["id"], cut["id"]]
    assert page["total"] == 2
    by_project = await client.get(
        "/v1/cuts", params={"project_id": asset.project_id, "limit": 1}, headers=account.headers
    )
    assert by_project.json()["total"] == 2 and len(by_project.json()["items"]) == 1
    assert by_project.json()["items"][0]["id"] == scripted.json()["id"]  # newest first

    await check_exports(client, account, cut["id"], done)


async def check_exports(
    client: httpx.AsyncClient, account: Account, cut_id: str, done: dict[str, Any]
) -> None:
    kept_seconds = sum(float(s["end"]) - float(s["start"]) for s in done["kept_segments"])
    expected_types = {
        "fcpxml": ("application/xml", ".fcpxml", "fcpx_xml"),
        "xmeml": ("application/xml", ".xml", "fcp_xml"),
        "edl": ("text/plain", ".edl", "cmx_3600"),
        "otio": ("application/vnd.opentimelineio+json", ".otio", "otio_json"),
    }
    for fmt, (media_type, suffix, adapter) in expected_types.items():
        response = await client.get(
            f"/v1/cuts/{cut_id}/export", params={"format": fmt}, headers=account.headers
        )
        assert response.status_code == 200, (fmt, response.text)
        assert response.headers["content-type"].startswith(media_type)
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;") and f'{suffix}"' in disposition
        options = {"rate": 25} if adapter == "cmx_3600" else {}
        parsed = otio.adapters.read_from_string(response.text, adapter_name=adapter, **options)
        if isinstance(parsed, otio.schema.SerializableCollection):
            parsed = next(iter(parsed.find_children(descended_from_type=otio.schema.Timeline)))
        timeline = parsed
        rate = 25
        duration = timeline.duration().rescaled_to(rate).value / rate
        assert abs(duration - kept_seconds) <= 1.5 / rate, (fmt, duration, kept_seconds)

    as_json = await client.get(
        f"/v1/cuts/{cut_id}/export", params={"format": "json"}, headers=account.headers
    )
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    body = json.loads(as_json.text)
    assert len(body["kept"]) == len(done["kept_segments"])
    spoken = " ".join(w["text"] for w in body["words"]).lower()
    assert "welcome" in spoken and "rough" in spoken, spoken  # the real model heard the speech

    for fmt, media_type in (("srt", "application/x-subrip"), ("vtt", "text/vtt")):
        response = await client.get(
            f"/v1/cuts/{cut_id}/subtitle/export", params={"format": fmt}, headers=account.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert f'.{fmt}"' in response.headers["content-disposition"]
        assert "-->" in response.text
        if fmt == "vtt":
            assert response.text.startswith("WEBVTT")

    for path, params in (
        (f"/v1/cuts/{cut_id}/export", {"format": "avi"}),
        (f"/v1/cuts/{cut_id}/export", {"format": "srt"}),
        (f"/v1/cuts/{cut_id}/subtitle/export", {"format": "fcpxml"}),
    ):
        response = await client.get(path, params=params, headers=account.headers)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "unsupported_format"


async def test_asset_states_gate_cuts(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, talking_head: Path
) -> None:
    expected = {
        "pending_upload": "asset_processing",
        "pending_payment": "asset_payment_required",
        "failed": "asset_failed",
    }
    for state, code in expected.items():
        asset = await seed_asset(
            runtime, account.user_id, talking_head, state=state, with_analysis_audio=False
        )
        response = await client.post(
            "/v1/cuts", json={"asset_id": asset.id}, headers=account.headers
        )
        assert response.status_code == 409, (state, response.text)
        assert response.json()["error"]["code"] == code
        if code == "asset_processing":
            assert int(response.headers["retry-after"]) > 0
    listed = await client.get("/v1/cuts", headers=account.headers)
    assert listed.json()["total"] == 0


async def test_validation_and_ownership(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    other_account: Account,
    talking_head: Path,
) -> None:
    asset = await seed_asset(runtime, account.user_id, talking_head, with_analysis_audio=False)
    too_long = await client.post(
        "/v1/cuts",
        json={"asset_id": asset.id, "script": "x" * 100_001},
        headers=account.headers,
    )
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "validation_error"
    assert too_long.json()["error"]["fields"][0]["field"] == "body.script"

    unauthenticated = await client.post("/v1/cuts", json={"asset_id": asset.id})
    assert unauthenticated.status_code == 401

    foreign = await client.post(
        "/v1/cuts", json={"asset_id": asset.id}, headers=other_account.headers
    )
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"

    # a cut that exists but is not finished: exports refuse, others can't see it
    async with runtime.db.transaction() as session:
        cut = Cut(
            user_id=account.user_id,
            project_id=asset.project_id,
            asset_id=asset.id,
            script=None,
            script_key="",
            state="processing",
            progress=0.25,
        )
        session.add(cut)
        await session.flush()
        cut_id = cut.id
    mine = await client.get(f"/v1/cuts/{cut_id}", headers=account.headers)
    assert mine.status_code == 200 and mine.json()["progress"] == 0.25
    assert (
        await client.get(f"/v1/cuts/{cut_id}", headers=other_account.headers)
    ).status_code == 404
    assert (await client.get("/v1/cuts/not-a-uuid", headers=account.headers)).status_code == 404
    for path in (f"/v1/cuts/{cut_id}/export?format=edl", f"/v1/cuts/{cut_id}/subtitle/export"):
        response = await client.get(path, headers=account.headers)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "unsupported_format"
        assert (await client.get(path, headers=other_account.headers)).status_code == 404
    others = await client.get("/v1/cuts", headers=other_account.headers)
    assert others.json()["total"] == 0


async def test_unreadable_media_fails_the_cut_and_a_retry_starts_anew(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, tmp_path: Path
) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096)
    good = tmp_path / "good.mp4"
    v1_seed.make_silent_video(good)
    asset = await seed_asset(runtime, account.user_id, good, with_analysis_audio=False)
    async with runtime.db.transaction() as session:
        row = await session.get(Asset, asset.id)
        assert row is not None and row.storage_key
        key = row.storage_key
    runtime.storage.put_file(key, garbage)  # the stored bytes are not media

    first = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert first.status_code == 201
    failed = await wait_cut(client, account, first.json()["id"])
    assert failed["state"] == "failed"
    assert failed["error_code"] and failed["error_message"]
    assert failed["completed_at"] and failed["kept_segments"] is None

    retry = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert retry.status_code == 201 and retry.json()["id"] != first.json()["id"]
    await wait_cut(client, account, retry.json()["id"])
