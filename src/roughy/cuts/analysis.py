"""Analysing an asset: its prepared 16 kHz audio -> transcript (cached) -> the engine's decision.

`analyse_asset` is shared with the /api/v1 pipelines. Blocking work runs in a thread so the
worker's event loop stays free; `on_progress` and `should_cancel` are called from that thread,
so they must be thread-safe and must not touch the database (see `roughy.jobs.progress.Tracker`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from roughy.assets.models import Asset
from roughy.config import Settings
from roughy.cuts.models import Transcript as TranscriptRow
from roughy.engine.analyse import Analysis, analyse
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.cutting import ClaudeAdjudicator, CutOptions
from roughy.engine.transcribe import (
    BASE,
    DEFAULT_MODEL_NAME,
    ElevenLabsTranscriber,
    FasterWhisperTranscriber,
    Transcriber,
    WhisperOptions,
    whisper_model,
)
from roughy.engine.types import CutDocument, EngineError, Transcript
from roughy.jobs import JobContext
from roughy.kit.ids import new_id


@dataclass(frozen=True)
class TranscriberChoice:
    transcriber: Transcriber
    model: str
    """Cache key of transcripts made by this transcriber (e.g. `whisper:tiny.en`)."""


def whisper_transcriber(settings: Settings) -> FasterWhisperTranscriber:
    """`settings.whisper_model`: `base` (the default), `tiny.en`, or a model directory. An
    English-only model gets Whisper base to tell the language of recordings without a hint."""
    models = settings.data_dir.resolve() / "models"
    spec = whisper_model((settings.whisper_model or "").strip() or DEFAULT_MODEL_NAME, models)
    options = WhisperOptions(
        cpu_threads=settings.asr_threads, compute_type=settings.whisper_compute_type
    )
    detector = whisper_model(BASE, models) if spec.english_only else None
    return FasterWhisperTranscriber(spec, options, language_detector=detector)


def build_transcriber(settings: Settings) -> TranscriberChoice:
    if settings.elevenlabs_api_key:
        eleven = ElevenLabsTranscriber(settings.elevenlabs_api_key)
        return TranscriberChoice(eleven, f"elevenlabs:{eleven.model_id}")
    whisper = whisper_transcriber(settings)
    return TranscriberChoice(whisper, f"whisper:{whisper.model.name}:{whisper.model.path}"[:255])


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def media_facts(asset: Asset) -> dict[str, Any]:
    """What the exports and the decision need from the asset's probe results, tolerant of the
    shape of `media_info`: frame_rate (Fraction|None), has_video, width, height, and the audio's
    has_audio, audio_channels, audio_sample_rate (None when unknown)."""
    info = asset.media_info or {}
    video = info.get("video") if isinstance(info.get("video"), dict) else None
    audio = info.get("audio") if isinstance(info.get("audio"), dict) else None
    facts: dict[str, Any] = {
        "frame_rate": None,
        "has_video": video is not None if info else asset.type == "video",
        "width": None,
        "height": None,
        "has_audio": audio is not None if info else True,
        "audio_channels": _positive_int(audio.get("channels")) if audio else None,
        "audio_sample_rate": _positive_int(audio.get("sample_rate")) if audio else None,
    }
    if video:
        for name in ("frame_rate", "avg_frame_rate", "r_frame_rate", "fps"):
            rate = _fraction(video.get(name))
            if rate:
                facts["frame_rate"] = rate
                break
        for name in ("display_width", "width"):
            if isinstance(video.get(name), int):
                facts["width"] = video[name]
                break
        for name in ("display_height", "height"):
            if isinstance(video.get(name), int):
                facts["height"] = video[name]
                break
    return facts


def _fraction(value: object) -> Fraction | None:
    if value in (None, "", 0):
        return None
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


async def _cached_transcript(ctx: JobContext, asset_id: str, model: str) -> Transcript | None:
    async with ctx.transaction() as session:
        row = await session.scalar(
            select(TranscriptRow).where(
                TranscriptRow.asset_id == asset_id, TranscriptRow.model == model
            )
        )
        return None if row is None else Transcript.from_dict(row.payload)


async def _store_transcript(
    ctx: JobContext, asset_id: str, model: str, transcript: Transcript
) -> None:
    async with ctx.transaction() as session:
        await session.execute(
            insert(TranscriptRow)
            .values(
                id=new_id(),
                asset_id=asset_id,
                model=model,
                language=transcript.language[:16],
                payload=transcript.to_dict(),
            )
            .on_conflict_do_nothing(constraint="uq_transcripts_asset_model")
        )


async def analyse_asset(
    ctx: JobContext,
    asset: Asset,
    *,
    script: str | None,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> CutDocument:
    """Transcribe (or reuse the cached transcript of) `asset` and decide its cut.

    Reads `asset.analysis_audio_key` (the 16 kHz WAV made by assets.prepare); if it is missing,
    the analysis audio is extracted from the source. Raises `EngineError` (with a stable `code`)
    or `EngineCancelled`.
    """
    settings = ctx.settings
    choice = build_transcriber(settings)
    cached = await _cached_transcript(ctx, asset.id, choice.model)
    facts = media_facts(asset)
    adjudicator = (
        ClaudeAdjudicator(settings.anthropic_api_key, model=settings.anthropic_model)
        if settings.anthropic_api_key
        else None
    )

    def run() -> Analysis:
        with _analysis_wav(ctx, asset, should_cancel) as wav:
            return analyse(
                wav,
                transcriber=choice.transcriber,
                transcript=cached,
                language=asset.language,
                options=CutOptions(),
                script=script,
                adjudicator=adjudicator,
                frame_rate=facts["frame_rate"],
                on_progress=on_progress,
                should_cancel=should_cancel,
            )

    try:
        result = await anyio.to_thread.run_sync(run)
        if cached is None:
            await _store_transcript(ctx, asset.id, choice.model, result.transcript)
    finally:
        if adjudicator is not None:
            adjudicator.close()
    return result.document


@contextmanager
def _analysis_wav(
    ctx: JobContext, asset: Asset, should_cancel: Callable[[], bool] | None
) -> Iterator[Path]:
    """The analysis WAV as a local path: from storage, or extracted from the source."""
    storage = ctx.storage
    key = asset.analysis_audio_key
    if key and storage.exists(key):
        with storage.local_path(key) as path:
            yield Path(path)
        return
    if not asset.storage_key or not storage.exists(asset.storage_key):
        raise EngineError("the asset's media is not in storage", code="media_missing")
    with (
        storage.local_path(asset.storage_key) as source,
        tempfile.TemporaryDirectory(prefix="roughy-analysis-") as tmp,
    ):
        wav = Path(tmp) / "analysis.wav"
        extract_analysis_audio(Path(source), wav, should_cancel=should_cancel)
        yield wav
