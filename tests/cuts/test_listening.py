"""What the review editor draws and plays: waveform peaks and WAV excerpts of an asset."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import httpx
from v1_seed import seed_asset

from roughy.jobs import Runtime
from support import Account


async def test_waveform_and_excerpts_are_owned_and_bounded(
    client: httpx.AsyncClient,
    runtime: Runtime,
    account: Account,
    other_account: Account,
    talking_head: Path,
) -> None:
    asset = await seed_asset(runtime, account.user_id, talking_head)
    shape = await client.get(
        f"/v1/assets/{asset.id}/waveform", params={"points": 300}, headers=account.headers
    )
    assert shape.status_code == 200, shape.text
    body = shape.json()
    assert len(body["peaks"]) == 300 and all(0 <= p <= 1 for p in body["peaks"])
    assert max(body["peaks"]) > 0.05  # speech, not silence
    assert abs(float(body["duration_seconds"]) - asset.duration_us / 1e6) < 0.001

    sound = await client.get(
        f"/v1/assets/{asset.id}/audio",
        params={"start": "0.5", "end": "1.75"},
        headers=account.headers,
    )
    assert sound.status_code == 200 and sound.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(sound.content)) as clip:
        assert clip.getframerate() == 16_000 and clip.getnchannels() == 1
        assert clip.getnframes() == 20_000  # 1.25 s

    too_long = await client.get(
        f"/v1/assets/{asset.id}/audio", params={"start": "0", "end": "121"}, headers=account.headers
    )
    assert too_long.status_code == 422
    for path in (f"/v1/assets/{asset.id}/waveform", f"/v1/assets/{asset.id}/audio?start=0&end=1"):
        assert (await client.get(path, headers=other_account.headers)).status_code == 404

    uploading = await seed_asset(runtime, account.user_id, talking_head, state="pending_upload")
    waiting = await client.get(f"/v1/assets/{uploading.id}/waveform", headers=account.headers)
    assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "asset_not_uploaded"
