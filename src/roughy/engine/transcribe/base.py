"""The transcriber contract every speech-to-text backend implements."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from roughy.engine.types import CancelCheck, ProgressCallback, Transcript


class Transcriber(Protocol):
    """Turns an analysis WAV (16 kHz mono) into a word-timed transcript.

    `language` is an ISO 639-1 hint; None asks the backend to detect it. A language the backend
    cannot handle raises `UnsupportedLanguage`.
    """

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str | None = None,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Transcript: ...
