"""faster-whisper backend: deterministic decoding, word timestamps, loop and timing guards."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from roughy.engine.audio import ANALYSIS_SAMPLE_RATE, load_analysis_audio, speech_spans
from roughy.engine.transcribe.guards import (
    clamp_to_speech,
    collapse_loops,
    is_hallucinated,
    refine_fillers,
    uncovered_speech,
)
from roughy.engine.transcribe.models import WhisperModelSpec, check_model_dir
from roughy.engine.types import (
    CancelCheck,
    EngineCancelled,
    EngineError,
    ProgressCallback,
    Span,
    Transcript,
    Word,
)

FILLER_HINT = "Umm, uh, let me think, like, hmm. Uh, so, erm."
_HOLE_US = 1_500_000


@dataclass(frozen=True)
class WhisperOptions:
    """Decoding knobs. The defaults are deterministic: temperature 0 only, no sampling fallback.

    `filler_hint` is fed to every window as hotwords (raises filler recall); windows that loop
    because of it are decoded again without the hint.
    """

    beam_size: int = 1
    cpu_threads: int = 2
    compute_type: str = "int8"
    filler_hint: str | None = FILLER_HINT
    vad_filter: bool = True


_MODELS: dict[tuple[str, str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def _load_model(spec: WhisperModelSpec, options: WhisperOptions) -> Any:
    from faster_whisper import WhisperModel

    key = (str(spec.path), options.compute_type, options.cpu_threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            check_model_dir(spec.path)
            _MODELS[key] = WhisperModel(
                str(spec.path),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads,
                local_files_only=True,
            )
        return _MODELS[key]


class FasterWhisperTranscriber:
    """Transcribes with a local faster-whisper model directory (never downloads)."""

    def __init__(self, model: WhisperModelSpec, options: WhisperOptions | None = None) -> None:
        self.model = model
        self.options = options or WhisperOptions()

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str | None = None,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Transcript:
        audio = load_analysis_audio(audio_path)
        duration_us = audio.shape[0] * 1_000_000 // ANALYSIS_SAMPLE_RATE
        whisper = _load_model(self.model, self.options)
        language = self._check_language(whisper, language)
        if audio.shape[0] < ANALYSIS_SAMPLE_RATE // 10:
            return Transcript(language or "en", (), self.model.name, duration_us)
        segments, info = self._run(whisper, audio, language, self.options.filler_hint, None)
        words = self._collect(
            whisper,
            audio,
            segments,
            language or info.language,
            duration_us,
            on_progress,
            should_cancel,
        )
        speech = speech_spans(audio, should_cancel=should_cancel)
        words = self._fill_holes(whisper, audio, language or info.language, words, speech)
        words = refine_fillers(clamp_to_speech(collapse_loops(words), speech), speech)
        if on_progress is not None:
            on_progress(1.0)
        return Transcript(language or info.language, tuple(words), self.model.name, duration_us)

    def _check_language(self, whisper: Any, language: str | None) -> str | None:
        if language is None:
            return "en" if not whisper.model.is_multilingual else None
        code = language.lower().split("-")[0]
        if not whisper.model.is_multilingual and code != "en":
            raise EngineError(
                f"model {self.model.name} only transcribes English, not {language!r}",
                code="unsupported_language",
            )
        if code not in whisper.supported_languages:
            raise EngineError(
                f"language {language!r} is not supported", code="unsupported_language"
            )
        return code

    def _run(
        self,
        whisper: Any,
        audio: np.ndarray[Any, Any],
        language: str | None,
        hint: str | None,
        clip: list[float] | None,
    ) -> tuple[Iterable[Any], Any]:
        return whisper.transcribe(  # type: ignore[no-any-return]
            audio,
            language=language,
            beam_size=self.options.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            word_timestamps=True,
            hotwords=hint,
            vad_filter=self.options.vad_filter and clip is None,
            vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
            clip_timestamps=clip or "0",
            no_repeat_ngram_size=0 if hint else 3,
        )

    def _collect(
        self,
        whisper: Any,
        audio: np.ndarray[Any, Any],
        segments: Iterable[Any],
        language: str,
        duration_us: int,
        on_progress: ProgressCallback | None,
        should_cancel: CancelCheck | None,
    ) -> list[Word]:
        words: list[Word] = []
        for segment in segments:
            if should_cancel is not None and should_cancel():
                raise EngineCancelled("transcription cancelled")
            if is_hallucinated(segment.text):
                words.extend(self._redecode(whisper, audio, language, segment))
            else:
                words.extend(_words(segment))
            if on_progress is not None and duration_us > 0:
                on_progress(min(0.99, segment.end * 1_000_000 / duration_us))
        return words

    def _fill_holes(
        self,
        whisper: Any,
        audio: np.ndarray[Any, Any],
        language: str,
        words: list[Word],
        speech: list[Span],
    ) -> list[Word]:
        """Decode again, without the hint, any long voiced stretch the first pass left wordless.

        A prompted decoder sometimes skips a whole window or loops; the audio shows where.
        """
        holes = uncovered_speech(words, speech, min_us=_HOLE_US)
        if not holes:
            return words
        found = list(words)
        for hole in holes:
            clip = [max(0.0, hole.start_us / 1e6 - 0.3), hole.end_us / 1e6 + 0.3]
            segments, _ = self._run(whisper, audio, language, None, clip)
            found.extend(
                w
                for s in segments
                for w in _words(s)
                if w.start_us >= hole.start_us - 300_000 and w.end_us <= hole.end_us + 300_000
            )
        found.sort(key=lambda w: w.start_us)
        return found

    def _redecode(
        self, whisper: Any, audio: np.ndarray[Any, Any], language: str, segment: Any
    ) -> list[Word]:
        """Decode a looping window again, without the filler hint and with n-gram blocking."""
        segments, _ = self._run(whisper, audio, language, None, [segment.start, segment.end])
        return [w for s in segments for w in _words(s)]


def _words(segment: Any) -> list[Word]:
    out: list[Word] = []
    for w in segment.words or ():
        text = w.word.strip()
        if not text:
            continue
        start = int(round(w.start * 1_000_000))
        end = max(start + 1, int(round(w.end * 1_000_000)))
        out.append(Word(text, start, end, float(w.probability)))
    return out
