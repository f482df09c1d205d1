"""Every failure the engine raises: one class per stable `code` (snake_case).

Callers catch `EngineError` (or a branch of it) and report `exc.code` and `exc.message`.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every failure the engine raises."""

    code = "engine_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message


class EngineCancelled(EngineError):
    code = "cancelled"


class MediaUnreadable(EngineError):
    code = "media_unreadable"


class NoMediaStreams(MediaUnreadable):
    code = "no_media_streams"


class NoAudioStream(MediaUnreadable):
    code = "no_audio_stream"


class UnsupportedFormat(EngineError):
    code = "unsupported_format"


class ExportFailed(EngineError):
    code = "export_failed"


class VideoOutputFromAudio(EngineError):
    code = "video_output_from_audio"


class EmptyCut(EngineError):
    code = "empty_cut"


class RenderInvalid(EngineError):
    code = "render_invalid"


class FfmpegMissing(EngineError):
    code = "ffmpeg_missing"


class FfmpegFailed(EngineError):
    code = "ffmpeg_failed"


class ModelMissing(EngineError):
    code = "model_missing"


class UnsupportedLanguage(EngineError):
    code = "unsupported_language"


class TranscriberUnavailable(EngineError):
    code = "transcriber_unavailable"


class TranscriberFailed(EngineError):
    code = "transcriber_failed"


class AdjudicatorFailed(EngineError):
    code = "adjudicator_failed"
