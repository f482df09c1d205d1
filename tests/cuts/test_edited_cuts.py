"""Edited cuts over real HTTP: a reviewer's keep/remove edits on an engine cut, idempotent,
validated, owned, and exported and rendered like any cut."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from test_cuts import wait_cut
from v1_seed import seed_asset

from roughy.engine.probe import probe
from roughy.jobs import Runtime
from support import Account, wait_until

FRAME = 1 / 25


def seconds(value: str) -> Decimal:
    return Decimal(value)


def on_grid(value: str) -> str:
    """The nearest 25 fps frame boundary, as the API writes times."""
    frames = (Decimal(value) * 25 + Decimal("0.5")) // 1
    return str((frames / 25).quantize(Decimal("0.000001")))


def kept(cut: dict[str, Any]) -> Decimal:
    return sum((seconds(s["end"]) - seconds(s["start"]) for s in cut["kept_segments"]), Decimal(0))


async def engine_cut(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, source: Path
) -> dict[str, Any]:
    asset = await seed_asset(runtime, account.user_id, source)
    created = await client.post("/v1/cuts", json={"asset_id": asset.id}, headers=account.headers)
    assert created.status_code == 201, created.text
    done = await wait_cut(client, account, created.json()["id"])
    assert done["state"] == "completed", done
    assert done["removed_spans"], done  # the spoken clip has a filler and pauses to cut
    return done


async def test_edited_cut_applies_edits_once_and_keeps_both_decisions(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    other_account: Account,
    talking_head: Path,
    tmp_path: Path,
) -> None:
    base = await engine_cut(client, runtime, account, talking_head)
    restored = base["removed_spans"][0]
    word = next(w for w in base["words"] if w["text"].strip(" ,.").lower() == "welcome")
    edits = [
        {"start": restored["start"], "end": restored["end"], "action": "keep"},
        {"start": word["start"], "end": word["end"], "action": "remove"},
    ]
    body = {"asset_id": base["asset_id"], "base_cut_id": base["id"], "edits": edits}
    first = await client.post("/v1/cuts", json=body, headers=account.headers)
    assert first.status_code == 201, first.text
    edited = first.json()
    assert first.headers["location"] == f"/v1/cuts/{edited['id']}"
    assert edited["state"] == "completed" and edited["base_cut_id"] == base["id"]
    assert edited["edits"] == sorted(edits, key=lambda e: seconds(e["start"]))

    # kept = base + restored - removed word, then every inner boundary on the 25 fps grid
    expected = (
        kept(base)
        + (seconds(restored["end"]) - seconds(restored["start"]))
        - (seconds(word["end"]) - seconds(word["start"]))
    )
    boundaries = [seconds(b) for s in edited["kept_segments"] for b in (s["start"], s["end"])]
    source = seconds(edited["source_duration_seconds"])
    assert all((b * 25) % 1 == 0 for b in boundaries if b not in (0, source)), boundaries
    assert abs(kept(edited) - expected) <= Decimal("0.02") * len(boundaries)
    assert seconds(edited["kept_duration_seconds"]) == kept(edited)
    manual = [s for s in edited["removed_spans"] if s["kind"] == "manual"]
    assert [(m["start"], m["end"]) for m in manual] == [
        (on_grid(word["start"]), on_grid(word["end"]))
    ]
    assert on_grid(restored["start"]) not in [s["start"] for s in edited["removed_spans"]]
    tiles = sorted(
        [(seconds(s["start"]), seconds(s["end"])) for s in edited["kept_segments"]]
        + [(seconds(s["start"]), seconds(s["end"])) for s in edited["removed_spans"]]
    )
    assert all(a[1] == b[0] for a, b in zip(tiles, tiles[1:], strict=False))
    assert tiles[0][0] == 0 and tiles[-1][1] == source
    # the engine's own decision is unchanged on the base cut
    again_base = (await client.get(f"/v1/cuts/{base['id']}", headers=account.headers)).json()
    assert again_base["removed_spans"] == base["removed_spans"] and again_base["edits"] is None

    # idempotent: the same edits (in another order) are the same cut
    same = await client.post(
        "/v1/cuts", json={**body, "edits": list(reversed(edits))}, headers=account.headers
    )
    assert same.status_code == 200 and same.json()["id"] == edited["id"]
    other = await client.post(
        "/v1/cuts", json={**body, "edits": edits[:1]}, headers=account.headers
    )
    assert other.status_code == 201 and other.json()["id"] != edited["id"]

    # owned: another account sees none of it
    assert (
        await client.get(f"/v1/cuts/{edited['id']}", headers=other_account.headers)
    ).status_code == 404
    stolen = await client.post("/v1/cuts", json=body, headers=other_account.headers)
    assert stolen.status_code == 404
    theirs = await seed_asset(runtime, other_account.user_id, talking_head)
    crossed = await client.post(
        "/v1/cuts",
        json={"asset_id": theirs.id, "base_cut_id": base["id"], "edits": []},
        headers=other_account.headers,
    )
    assert crossed.status_code == 404 and crossed.json()["error"]["code"] == "not_found"

    await check_exports_follow_the_edits(client, account, edited)
    await check_render_follows_the_edits(client, account, edited, tmp_path)


async def check_exports_follow_the_edits(
    client: httpx.AsyncClient, account: Account, edited: dict[str, Any]
) -> None:
    exported = await client.get(
        f"/v1/cuts/{edited['id']}/export", params={"format": "json"}, headers=account.headers
    )
    assert exported.status_code == 200
    document = json.loads(exported.text)
    assert len(document["kept"]) == len(edited["kept_segments"])
    assert any(r["kind"] == "manual" for r in document["removed"])
    for fmt in ("fcpxml", "xmeml", "edl", "otio"):
        response = await client.get(
            f"/v1/cuts/{edited['id']}/export", params={"format": fmt}, headers=account.headers
        )
        assert response.status_code == 200, (fmt, response.text)
    captions = await client.get(
        f"/v1/cuts/{edited['id']}/subtitle/export",
        params={"format": "vtt"},
        headers=account.headers,
    )
    assert captions.status_code == 200 and "welcome" not in captions.text.lower()


async def check_render_follows_the_edits(
    client: httpx.AsyncClient, account: Account, edited: dict[str, Any], tmp_path: Path
) -> None:
    request = {"asset_id": edited["asset_id"], "cut_id": edited["id"], "output": {"format": "mp4"}}
    created = await client.post("/v1/renders", json=request, headers=account.headers)
    assert created.status_code == 201, created.text
    seen: dict[str, Any] = {}

    async def finished() -> bool:
        seen.update(
            (
                await client.get(f"/v1/renders/{created.json()['id']}", headers=account.headers)
            ).json()
        )
        return seen["state"] in ("completed", "failed")

    await wait_until(finished, timeout=240, interval=0.2)
    assert seen["state"] == "completed", seen
    out = tmp_path / "edited.mp4"
    out.write_bytes((await client.get(seen["download_url"])).content)
    duration = probe(out).duration_us / 1e6
    assert abs(duration - float(edited["kept_duration_seconds"])) <= FRAME + 1e-3


async def test_edits_are_validated(
    client: httpx.AsyncClient, runtime: Runtime, account: Account, talking_head: Path
) -> None:
    base = await engine_cut(client, runtime, account, talking_head)
    source = seconds(base["source_duration_seconds"])
    body = {"asset_id": base["asset_id"], "base_cut_id": base["id"]}

    async def rejected(edits: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        response = await client.post(
            "/v1/cuts", json={**body, "edits": edits, **extra}, headers=account.headers
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        return error

    beyond = await rejected([{"start": "0.5", "end": str(source + 1), "action": "remove"}])
    assert "outside the media" in beyond["message"]
    assert beyond["fields"][0]["field"] == "body.edits"
    overlapping = await rejected(
        [
            {"start": "0.2", "end": "0.8", "action": "remove"},
            {"start": "0.6", "end": "1.0", "action": "keep"},
        ]
    )
    assert "overlaps" in overlapping["message"]
    backwards = await rejected([{"start": "0.8", "end": "0.2", "action": "remove"}])
    assert backwards["fields"][0]["field"] == "body.edits.0"
    nothing_left = await rejected([{"start": "0", "end": str(source), "action": "remove"}])
    assert "nothing" in nothing_left["message"]
    await rejected([], script="Hello.")
    await rejected([{"start": "0.1", "end": "0.2", "action": "trim"}])
    missing = await client.post(
        "/v1/cuts", json={"asset_id": base["asset_id"], "edits": []}, headers=account.headers
    )
    assert missing.status_code == 422

    touching = await client.post(
        "/v1/cuts",
        json={
            **body,
            "edits": [
                {"start": "0.2", "end": "0.6", "action": "remove"},
                {"start": "0.6", "end": "1.0", "action": "keep"},
            ],
        },
        headers=account.headers,
    )
    assert touching.status_code == 201, touching.text
    chained = await client.post(
        "/v1/cuts",
        json={"asset_id": base["asset_id"], "base_cut_id": touching.json()["id"], "edits": []},
        headers=account.headers,
    )
    assert chained.status_code == 422
    assert chained.json()["error"]["fields"][0]["field"] == "body.base_cut_id"
