"""The whole /v1 flow over real HTTP on loopback, as a client would run it: project -> asset ->
tus upload (tuspy) -> asset.ready webhook (verified with svix) -> cut -> every export -> renders
-> downloads whose durations match the cut's kept segments."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import opentimelineio as otio
from svix.webhooks import Webhook
from tusclient import client as tus_client

HERE = Path(__file__).resolve().parent
for folder in ("cuts", "webhooks"):
    sys.path.insert(0, str(HERE.parent / folder))

import v1_seed  # noqa: E402
from webhook_receiver import Receiver, start_receiver  # noqa: E402

from roughy.engine.probe import probe  # noqa: E402
from support import Account, wait_until  # noqa: E402

FRAME = 1 / 25
ALL_EVENTS = [
    "asset.ready",
    "asset.pending_payment",
    "asset.failed",
    "cut.completed",
    "cut.failed",
    "render.completed",
    "render.failed",
    "render.cancelled",
]
TIMELINES = {
    "fcpxml": ("application/xml", "fcpx_xml", ".fcpxml"),
    "xmeml": ("application/xml", "fcp_xml", ".xml"),
    "edl": ("text/plain", "cmx_3600", ".edl"),
    "otio": ("application/vnd.opentimelineio+json", "otio_json", ".otio"),
}


async def event_for(
    receiver: Receiver, secret: str, event_type: str, entity_id: str, timeout: float = 240
) -> dict[str, Any]:
    """Wait for a verified delivery of `event_type` about `entity_id`; return its body."""
    verifier = Webhook(secret)
    found: dict[str, Any] = {}

    async def arrived() -> bool:
        for request in receiver.requests_to("/hooks"):
            verifier.verify(request.body, request.headers)  # raises on a bad signature
            body = json.loads(request.body)
            if body["type"] == event_type and body["data"]["entity_id"] == entity_id:
                found.update(body)
                return True
        return False

    await wait_until(arrived, timeout=timeout, interval=0.2)
    return found


def timeline_seconds(text: str, adapter: str) -> float:
    options = {"rate": 25} if adapter == "cmx_3600" else {}
    parsed = otio.adapters.read_from_string(text, adapter_name=adapter, **options)
    if isinstance(parsed, otio.schema.SerializableCollection):
        parsed = next(iter(parsed.find_children(descended_from_type=otio.schema.Timeline)))
    duration = parsed.duration().rescaled_to(25)
    return float(duration.value) / 25


async def test_v1_end_to_end(client: httpx.AsyncClient, account: Account, tmp_path: Path) -> None:
    receiver = start_receiver()
    try:
        await run_flow(client, account, tmp_path, receiver)
    finally:
        receiver.close()


async def run_flow(
    client: httpx.AsyncClient, account: Account, tmp_path: Path, receiver: Receiver
) -> None:
    headers = account.headers
    endpoint = await client.post(
        "/v1/webhook-endpoints",
        json={"url": f"{receiver.url}/hooks", "event_types": ALL_EVENTS, "description": "e2e"},
        headers=headers,
    )
    assert endpoint.status_code == 201, endpoint.text
    secret = endpoint.json()["secret"]

    project = await client.post("/v1/projects", json={"name": "E2E"}, headers=headers)
    assert project.status_code == 201, project.text
    media = v1_seed.talking_head_mp4(tmp_path)
    created = await client.post(
        "/v1/assets",
        json={"project_id": project.json()["id"], "size_bytes": media.stat().st_size},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    asset = created.json()
    upload_url = asset["upload_url"]
    assert created.headers["location"] == upload_url

    def upload() -> None:
        tus = tus_client.TusClient(upload_url.rsplit("/", 1)[0], headers=headers)
        tus.uploader(file_path=str(media), url=upload_url, chunk_size=64 * 1024).upload()

    await asyncio.to_thread(upload)
    ready = await event_for(receiver, secret, "asset.ready", asset["id"])
    assert ready["data"] == {
        "entity_id": asset["id"],
        "asset_id": asset["id"],
        "previous_state": "processing",
    }

    cut = await client.post("/v1/cuts", json={"asset_id": asset["id"]}, headers=headers)
    assert cut.status_code == 201, cut.text
    cut_id = cut.json()["id"]
    completed = await event_for(receiver, secret, "cut.completed", cut_id)
    assert completed["data"] == {"entity_id": cut_id, "asset_id": asset["id"]}
    detail = (await client.get(f"/v1/cuts/{cut_id}", headers=headers)).json()
    assert detail["state"] == "completed"
    kept = sum(float(s["end"]) - float(s["start"]) for s in detail["kept_segments"])
    assert 0 < kept < float(detail["source_duration_seconds"])

    for fmt, (media_type, adapter, suffix) in TIMELINES.items():
        response = await client.get(
            f"/v1/cuts/{cut_id}/export", params={"format": fmt}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media_type)
        assert f'{suffix}"' in response.headers["content-disposition"]
        assert abs(timeline_seconds(response.text, adapter) - kept) <= 1.5 * FRAME, fmt
    document = await client.get(
        f"/v1/cuts/{cut_id}/export", params={"format": "json"}, headers=headers
    )
    assert document.status_code == 200
    assert len(document.json()["kept"]) == len(detail["kept_segments"])
    for fmt in ("srt", "vtt"):
        captions = await client.get(
            f"/v1/cuts/{cut_id}/subtitle/export", params={"format": fmt}, headers=headers
        )
        assert captions.status_code == 200
        assert "welcome" in captions.text.lower()
        last_end = captions.text.strip().splitlines()
        assert any("-->" in line for line in last_end)

    renders: dict[str, str] = {}
    for fmt in ("mp4", "mp3"):
        response = await client.post(
            "/v1/renders",
            json={"asset_id": asset["id"], "cut_id": cut_id, "output": {"format": fmt}},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        renders[fmt] = response.json()["id"]
    for fmt, render_id in renders.items():
        done = await event_for(receiver, secret, "render.completed", render_id)
        assert done["data"] == {"entity_id": render_id, "asset_id": asset["id"]}
        body = (await client.get(f"/v1/renders/{render_id}", headers=headers)).json()
        assert body["state"] == "completed" and body["size_bytes"] > 0
        download = await client.get(body["download_url"])
        assert download.status_code == 200
        assert len(download.content) == body["size_bytes"]
        path = tmp_path / f"render.{fmt}"
        path.write_bytes(download.content)
        info = probe(path)
        assert (info.video is not None) == (fmt == "mp4")
        assert abs(info.duration_us / 1e6 - kept) <= FRAME + 1e-3, (fmt, info.duration_us, kept)

    log = await client.get(
        f"/v1/webhook-endpoints/{endpoint.json()['id']}/deliveries", headers=headers
    )
    states = {d["event_type"]: d["state"] for d in log.json()["items"]}
    assert states["asset.ready"] == "succeeded" and states["cut.completed"] == "succeeded"
