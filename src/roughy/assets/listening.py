"""The review editor's view and sound of an asset: waveform peaks and WAV excerpts of its
prepared analysis audio. Owner-scoped like every asset read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service
from roughy.assets.errors import AssetNotUploaded
from roughy.assets.models import MEASURED
from roughy.engine.preview import wav_excerpt, waveform_peaks
from roughy.errors import FieldError, ValidationFailed
from roughy.storage import Storage

MAX_EXCERPT_US = 120_000_000
T = TypeVar("T")


async def _read_analysis(
    session: AsyncSession, storage: Storage, user_id: str, asset_id: str, read: Callable[..., T]
) -> tuple[T, int]:
    asset = await service.get_owned(session, user_id, asset_id)
    if asset.state not in MEASURED or asset.duration_us is None:
        raise AssetNotUploaded("The asset's audio is not prepared yet.")
    key = service.analysis_audio_key(asset)

    def work() -> T:
        with storage.local_path(key) as path:
            return read(path)

    return await anyio.to_thread.run_sync(work), asset.duration_us


async def waveform(
    session: AsyncSession, storage: Storage, user_id: str, asset_id: str, points: int
) -> tuple[list[float], int]:
    """(peaks, source duration in µs)."""
    return await _read_analysis(
        session, storage, user_id, asset_id, lambda path: waveform_peaks(path, points)
    )


async def excerpt(
    session: AsyncSession,
    storage: Storage,
    user_id: str,
    asset_id: str,
    start_us: int,
    end_us: int,
) -> bytes:
    if end_us <= start_us or end_us - start_us > MAX_EXCERPT_US:
        message = "end must follow start, at most 120 seconds later."
        raise ValidationFailed(message, fields=[FieldError("query.end", message)])
    audio, _ = await _read_analysis(
        session, storage, user_id, asset_id, lambda path: wav_excerpt(path, start_us, end_us)
    )
    return audio
