"""Asset jobs: preparation (probe, analysis audio, charge), activation after a top-up, purges."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from roughy.assets import service
from roughy.assets.models import AssetState
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.probe import MediaInfo, probe
from roughy.engine.types import EngineError
from roughy.jobs import JobContext, job
from roughy.storage import Storage, StorageKeyError

log = logging.getLogger(__name__)
PREPARE_RETRIES = 2


@dataclass(frozen=True)
class _Prepared:
    info: MediaInfo
    analysis_key: str
    decoded_us: int
    """What was really decoded (the analysis audio's length): billed, quoted and stored, never the
    container header's claim, which a file can state as anything."""


def _media_info_dict(info: MediaInfo, decoded_us: int) -> dict[str, Any]:
    video = info.video
    audio = info.audio
    return {
        "format": info.format_name,
        "duration_us": decoded_us,
        "header_duration_us": info.duration_us,
        "bit_rate": info.bit_rate,
        "video": None
        if video is None
        else {
            "codec": video.codec,
            "width": video.display_width,
            "height": video.display_height,
            "frame_rate": str(video.frame_rate) if video.frame_rate else None,
            "rotation": video.rotation,
        },
        "audio": None
        if audio is None
        else {"codec": audio.codec, "sample_rate": audio.sample_rate, "channels": audio.channels},
    }


def _ensure_source(storage: Storage, key: str, staged: Path) -> None:
    """The upload request moves the finished file in right after its commit; if that process died
    in between, the bytes are still staged: move them here (whoever moves first wins)."""
    if storage.exists(key) or not staged.exists():
        return
    try:
        storage.put_file(key, staged, move=True)
    except FileNotFoundError:
        pass


def _prepare_files(
    storage: Storage, source_key: str, analysis_key: str, scratch: Path
) -> _Prepared:
    with storage.local_path(source_key) as source:
        info = probe(source)
        scratch.parent.mkdir(parents=True, exist_ok=True)
        try:
            analysis = extract_analysis_audio(source, scratch)
            storage.put_file(analysis_key, scratch, move=True)
        finally:
            scratch.unlink(missing_ok=True)
    return _Prepared(info=info, analysis_key=analysis_key, decoded_us=analysis.duration_us)


@job("assets.prepare", queue="cpu", retries=PREPARE_RETRIES)
async def prepare(ctx: JobContext, asset_id: str) -> None:
    """Probe the source, extract the 16 kHz analysis audio once, then settle the charge."""
    async with ctx.transaction() as session:
        asset = await service.load(session, asset_id)
        if asset is None or asset.state != AssetState.PROCESSING or asset.storage_key is None:
            return
        source_key = asset.storage_key
        analysis_key = service.analysis_audio_key(asset)
    staged = service.staging_path(ctx.settings, asset_id)
    scratch = ctx.settings.scratch_dir / f"{asset_id}.analysis.wav"
    try:
        await anyio.to_thread.run_sync(_ensure_source, ctx.storage, source_key, staged)
        prepared = await anyio.to_thread.run_sync(
            _prepare_files, ctx.storage, source_key, analysis_key, scratch
        )
    except EngineError as exc:
        async with ctx.transaction() as session:
            await service.fail(session, asset_id, code=exc.code, message=exc.message)
        return
    except StorageKeyError:
        async with ctx.transaction() as session:
            await service.fail(
                session, asset_id, code="source_missing", message="The uploaded file is missing."
            )
        return
    except Exception:
        if ctx.attempts < PREPARE_RETRIES:
            raise
        log.exception("asset preparation failed", extra={"asset_id": asset_id})
        async with ctx.transaction() as session:
            await service.fail(
                session,
                asset_id,
                code="preparation_failed",
                message="The media could not be prepared.",
            )
        return
    async with ctx.transaction() as session:
        await service.settle(
            session,
            asset_id,
            duration_us=prepared.decoded_us,
            media_info=_media_info_dict(prepared.info, prepared.decoded_us),
            analysis_key=prepared.analysis_key,
            billing_enabled=ctx.settings.billing_enabled,
        )


@job("assets.activate_pending_payment", queue="io", retries=3)
async def activate_pending_payment(ctx: JobContext, user_id: str) -> None:
    """Deferred by every credit grant: charge waiting assets oldest first."""
    async with ctx.transaction() as session:
        activated = await service.activate_pending_payment(session, user_id)
    if activated:
        log.info("assets activated", extra={"user_id": user_id, "asset_ids": activated})


@job("assets.purge", queue="io", periodic_cron="23 * * * *")
async def purge(ctx: JobContext) -> None:
    """Hourly: unpaid assets 30 days after pending_payment, soft-deleted assets 30 days on."""
    async with ctx.transaction() as session:
        count = await service.purge_expired(session)
    if count:
        log.info("assets purged", extra={"count": count})
