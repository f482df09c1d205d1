"""Every failure the engine raises: one class per stable `code` (snake_case).

Callers catch `EngineError` (or a branch of it) and report `exc.code` and `exc.message`.
"""

from __future__ import annotations

import re

_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_PATH = re.compile(r"""(?::\s*)?(['"]?)(?<![\w./:~-])/[^\s'"]+\1""")


def without_paths(text: str) -> str:
    """`text` with absolute file paths and `[Errno N]` prefixes removed: what a client may read
    names the problem, never the files of the machine that hit it."""
    return _PATH.sub("", _ERRNO.sub("", text)).strip()


class EngineError(Exception):
    """Base of every failure the engine raises. `message` is safe to show a client (no paths);
    `str(exc)` keeps the full text for logs."""

    code = "engine_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = without_paths(message)


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
