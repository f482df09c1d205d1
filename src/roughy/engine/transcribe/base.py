"""The transcriber contract every speech-to-text backend implements, and what they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from roughy.engine.types import CancelCheck, EngineCancelled, ProgressCallback, Transcript


@dataclass(frozen=True)
class Watch:
    """A transcription's progress and cancel callbacks (either may be absent)."""

    on_progress: ProgressCallback | None
    should_cancel: CancelCheck | None

    def check(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise EngineCancelled("transcription cancelled")

    def progress(self, fraction: float) -> None:
        if self.on_progress is not None:
            self.on_progress(fraction)


class Transcriber(ABC):
    """Turns an analysis WAV (16 kHz mono) into a word-timed transcript.

    `language` is an ISO 639-1 hint; None asks the backend to detect it. A language the backend
    cannot handle raises `UnsupportedLanguage`. Every backend (faster-whisper, ElevenLabs)
    implements `run`; `transcribe` is what they share: a job cancelled before the start never
    starts, and a finished transcript reports progress 1.0.
    """

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str | None = None,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Transcript:
        watch = Watch(on_progress, should_cancel)
        watch.check()
        transcript = self.run(audio_path, language, watch)
        watch.progress(1.0)
        return transcript

    @abstractmethod
    def run(self, audio_path: Path, language: str | None, watch: Watch) -> Transcript: ...
