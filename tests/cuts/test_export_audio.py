"""NLE exports describe the real source: its audio (channels, rate; EDL events carry the sound)
and its uploaded name, through upload, preparation, cut and export over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import httpx

from media import write_speech_wav
from support import Account, make_media

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uploads"))

from test_cuts import wait_cut
from tuskit import new_project, tuspy_upload, wait_state


def mono_44k_video(directory: Path) -> Path:
    wav = write_speech_wav(directory / "speech.wav")
    return make_media(
        directory / "interview.mp4",
        "-i", str(wav), "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
        "-shortest", "-map", "1:v", "-map", "0:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-ac", "1", "-ar", "44100",
    )  # fmt: skip


async def test_exports_describe_the_real_audio_and_keep_the_uploaded_name(
    client: httpx.AsyncClient, account: Account, tmp_path: Path
) -> None:
    source = mono_44k_video(tmp_path)
    project = await new_project(client, account)
    created = await client.post(
        "/v1/assets",
        json={
            "project_id": project,
            "size_bytes": source.stat().st_size,
            "filename": "Interview take 2.mp4",
        },
        headers=account.headers,
    )
    assert created.status_code == 201, created.text
    asset = created.json()
    await anyio.to_thread.run_sync(lambda: tuspy_upload(asset["upload_url"], source, account))
    await wait_state(client, account, asset["id"], "ready", timeout=120)
    cut = (
        await client.post("/v1/cuts", json={"asset_id": asset["id"]}, headers=account.headers)
    ).json()
    assert (await wait_cut(client, account, cut["id"]))["state"] == "completed"

    async def export(fmt: str) -> httpx.Response:
        response = await client.get(
            f"/v1/cuts/{cut['id']}/export", params={"format": fmt}, headers=account.headers
        )
        assert response.status_code == 200, response.text
        return response

    fcpxml = await export("fcpxml")
    assert 'audioChannels="1"' in fcpxml.text and 'audioRate="44100"' in fcpxml.text
    assert "Interview take 2" in fcpxml.headers["content-disposition"]
    edl = (await export("edl")).text
    events = [line.split() for line in edl.splitlines() if line[:3].isdigit()]
    assert events and all(event[2] == "B" for event in events), edl
