"""Billing, quotes and `duration_seconds` come from what is really decoded, never from the
container's header: an MP4 whose mvhd/mdhd/tkhd say 1 s over a 150 s stream, and a faststart MP4
cut short (its header promises twice what is playable)."""

from __future__ import annotations

import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
from tuskit import new_asset, tuspy_upload, wait_state

from roughy.engine.probe import probe
from support import Account, make_media

STREAM_SECONDS = 150


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, int]:
    """Offsets of the boxes directly inside [start, end)."""
    found: dict[bytes, int] = {}
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        found.setdefault(kind, at)
        at += size
    return found


def _set_duration(data: bytearray, box: int, field_v0: int, field_v1: int, value: int) -> None:
    """Overwrite the duration field of a full box (version 0 or 1)."""
    version = data[box + 8]
    if version == 1:
        struct.pack_into(">Q", data, box + field_v1, value)
    else:
        struct.pack_into(">I", data, box + field_v0, value)


def lying_header_mp4(tmp_path: Path) -> Path:
    """A 150 s mono AAC MP4 whose movie, track and media headers all claim 1 second."""
    path = make_media(
        tmp_path / "lying.mp4",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=300:sample_rate=16000:duration={STREAM_SECONDS}",
        "-c:a",
        "aac",
        "-b:a",
        "24k",
        "-movflags",
        "+faststart",
    )
    data = bytearray(path.read_bytes())
    moov = _boxes(data, 0, len(data))[b"moov"]
    inside = _boxes(data, moov + 8, moov + struct.unpack(">I", data[moov : moov + 4])[0])
    mvhd = inside[b"mvhd"]
    movie_scale = struct.unpack(">I", data[mvhd + 20 : mvhd + 24])[0]
    if data[mvhd + 8] == 1:
        movie_scale = struct.unpack(">I", data[mvhd + 28 : mvhd + 32])[0]
    _set_duration(data, mvhd, 24, 32, movie_scale)
    trak = inside[b"trak"]
    in_trak = _boxes(data, trak + 8, trak + struct.unpack(">I", data[trak : trak + 4])[0])
    _set_duration(data, in_trak[b"tkhd"], 28, 36, movie_scale)
    mdia = in_trak[b"mdia"]
    in_mdia = _boxes(data, mdia + 8, mdia + struct.unpack(">I", data[mdia : mdia + 4])[0])
    mdhd = in_mdia[b"mdhd"]
    media_scale = struct.unpack(">I", data[mdhd + 20 : mdhd + 24])[0]
    if data[mdhd + 8] == 1:
        media_scale = struct.unpack(">I", data[mdhd + 28 : mdhd + 32])[0]
    _set_duration(data, mdhd, 24, 32, media_scale)
    path.write_bytes(bytes(data))
    return path


def truncated_faststart_mp4(tmp_path: Path) -> Path:
    """A faststart MP4 (index first) of 40 s whose last half never arrived."""
    whole = make_media(
        tmp_path / "whole.mp4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:sample_rate=16000:duration=40",
        "-c:a",
        "aac",
        "-b:a",
        "32k",
        "-movflags",
        "+faststart",
    ).read_bytes()
    mdat = whole.index(b"mdat") - 4
    cut = tmp_path / "truncated.mp4"
    cut.write_bytes(whole[: mdat + (len(whole) - mdat) // 2])
    return cut


async def _uploaded(client: httpx.AsyncClient, account: Account, path: Path) -> dict[str, Any]:
    asset = await new_asset(client, account, path.stat().st_size)
    await anyio.to_thread.run_sync(lambda: tuspy_upload(asset["upload_url"], path, account))
    return await wait_state(client, account, asset["id"], "ready", "failed", timeout=120)


async def _charged(client: httpx.AsyncClient, account: Account, asset_id: str) -> int:
    history = (await client.get("/v1/credits/history?limit=100", headers=account.headers)).json()
    return -sum(e["delta"] for e in history["items"] if e.get("asset_id") == asset_id)


async def test_a_header_that_claims_one_second_is_billed_for_the_whole_stream(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    lying = lying_header_mp4(tmp_path)
    assert probe(lying).duration_us <= 1_100_000  # the header really lies
    ready = await _uploaded(client, account, lying)
    assert ready["state"] == "ready", ready
    assert abs(Decimal(ready["duration_seconds"]) - STREAM_SECONDS) < 1
    assert await _charged(client, account, ready["id"]) == 3  # ceil(150 s / 60), not 1

    estimate = await client.post(
        "/api/v1/pipelines/estimate",
        json={"input_asset_id": ready["id"], "steps": [{"processor_name": "cut"}]},
        headers=account.headers,
    )
    assert estimate.status_code == 200, estimate.text
    units = Decimal(estimate.json()["steps"][0]["usage_units"])
    assert abs(units - STREAM_SECONDS) < 1


async def test_a_truncated_faststart_mp4_is_billed_for_what_plays(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    truncated = truncated_faststart_mp4(tmp_path)
    assert probe(truncated).duration_us > 39_000_000  # the header promises all 40 s
    ready = await _uploaded(client, account, truncated)
    assert ready["state"] == "ready", ready
    assert 15 < Decimal(ready["duration_seconds"]) < 25
