"""faster-whisper backend: deterministic decoding, word timestamps, loop and timing guards."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from roughy.engine.audio import (
    ANALYSIS_SAMPLE_RATE,
    FloatArray,
    load_analysis_audio,
    speech_spans,
)
from roughy.engine.errors import UnsupportedLanguage
from roughy.engine.languages import lexicon_for
from roughy.engine.transcribe.base import Transcriber, Watch
from roughy.engine.transcribe.guards import (
    WordsByCentre,
    clamp_to_speech,
    collapse_loops,
    is_filler,
    is_hallucinated,
    is_stretched,
    refine_fillers,
    uncovered_speech,
)
from roughy.engine.transcribe.models import WhisperModelSpec, check_model_dir
from roughy.engine.types import (
    Span,
    Transcript,
    Word,
)
from roughy.engine.voicing import held_islands

_HOLE_US = 1_500_000
_HOLE_PAD_US = 300_000
_ALONE_PAD_US = 100_000
_DETECT_SECONDS = 60
_WINDOW_US = 300_000_000
"""Decode at most ~5 minutes at a time: faster-whisper holds the features of its whole input,
and `WhisperOptions.cpu_threads` windows are in flight at once."""


@dataclass(frozen=True)
class WhisperOptions:
    """Decoding knobs. The defaults are deterministic: temperature 0 only, no sampling fallback.

    With `filler_hint` on, the hesitations of the recording's language (`Lexicon.filler_hint`,
    from the language's data) are fed to every window as hotwords (raises filler recall);
    windows that loop because of it are decoded again without the hint.

    `cpu_threads` decoders of one thread each work on separate windows (and re-decodings) at
    once: measured on 10 minutes of speech (base, int8, 2 cores), two one-thread decoders
    took 20.2 s where one two-thread decoder took 31.7 s, for the same words.
    """

    beam_size: int = 1
    cpu_threads: int = 2
    compute_type: str = "int8"
    filler_hint: bool = True
    vad_filter: bool = True


_T = TypeVar("_T")
_R = TypeVar("_R")
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
                cpu_threads=1,
                num_workers=options.cpu_threads,
                local_files_only=True,
            )
        return _MODELS[key]


class FasterWhisperTranscriber(Transcriber):
    """Transcribes with a local faster-whisper model directory (never downloads).

    Without a language hint a multilingual model detects the language from the first voiced
    minute, and every window is decoded in it. An English-only model cannot tell: given a
    multilingual `language_detector`, it refuses a recording that is not in English
    (`unsupported_language`) instead of writing an English transcript of it.
    """

    def __init__(
        self,
        model: WhisperModelSpec,
        options: WhisperOptions | None = None,
        *,
        language_detector: WhisperModelSpec | None = None,
    ) -> None:
        self.model = model
        self.options = options or WhisperOptions()
        self.language_detector = language_detector

    def run(self, audio_path: Path, language: str | None, watch: Watch) -> Transcript:
        audio = load_analysis_audio(audio_path)
        duration_us = audio.shape[0] * 1_000_000 // ANALYSIS_SAMPLE_RATE
        whisper = _load_model(self.model, self.options)
        hint = self._check_language(whisper, language)
        if audio.shape[0] < ANALYSIS_SAMPLE_RATE // 10:
            return Transcript(hint or "en", (), self.model.name, duration_us)
        speech = speech_spans(audio, should_cancel=watch.should_cancel)
        language = hint or self._detect_language(whisper, audio, speech)
        windows = decoding_windows(speech, duration_us, _WINDOW_US)
        decoded_us = 0
        progress_lock = threading.Lock()

        def decode(window: Span) -> list[Word]:
            nonlocal decoded_us
            watch.check()
            found = self._decode_window(whisper, audio, window, language)
            with progress_lock:
                decoded_us += window.duration_us
                watch.progress(min(0.99, decoded_us / duration_us))
            return found

        words = [w for found in self._in_parallel(decode, windows) for w in found]
        words = self._fill_holes(whisper, audio, language, words, speech)
        words = refine_fillers(clamp_to_speech(collapse_loops(words), speech), speech)
        words = self._hear_hesitations_alone(whisper, audio, language, words, speech)
        return Transcript(language, tuple(words), self.model.name, duration_us)

    def _in_parallel(self, work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
        """`work` over `items` on the model's `cpu_threads` decoders, results in item order."""
        if len(items) <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.options.cpu_threads) as pool:
            return list(pool.map(work, items))

    def _filler_hint(self, language: str) -> str | None:
        return lexicon_for(language).filler_hint if self.options.filler_hint else None

    def _check_language(self, whisper: Any, language: str | None) -> str | None:
        if language is None:
            return None
        code = language.lower().split("-")[0]
        if not whisper.model.is_multilingual and code != "en":
            raise UnsupportedLanguage(
                f"model {self.model.name} only transcribes English, not {language!r}"
            )
        if code not in whisper.supported_languages:
            raise UnsupportedLanguage(f"language {language!r} is not supported")
        return code

    def _detect_language(self, whisper: Any, audio: FloatArray, speech: list[Span]) -> str:
        """The language of the minute from the first speech on (English if none is voiced);
        as heard, pauses included: a recording stitched from its voiced parts sounds foreign."""
        if not whisper.model.is_multilingual:
            if self.language_detector is None:
                return "en"
            detected = self._detect_language(
                _load_model(self.language_detector, self.options), audio, speech
            )
            if detected != "en":
                raise UnsupportedLanguage(
                    f"model {self.model.name} only transcribes English; this recording is in "
                    f"{detected!r}"
                )
            return "en"
        if not speech:
            return "en"
        start = speech[0].start_us
        sample = _slice(audio, Span(start, start + _DETECT_SECONDS * 1_000_000))
        language, _, _ = whisper.detect_language(
            audio=sample, language_detection_segments=_DETECT_SECONDS // 30
        )
        return str(language)

    def _decode_window(
        self, whisper: Any, audio: FloatArray, window: Span, language: str
    ) -> list[Word]:
        """One window with the filler hint and the VAD; windows that loop or lose their place
        are decoded again."""
        offset_us = window.start_us
        segments, _ = self._run(
            whisper, _slice(audio, window), language, self._filler_hint(language), vad=True
        )
        words: list[Word] = []
        for segment in segments:
            found = _words(segment, offset_us)
            where = Span(offset_us + int(segment.start * 1e6), offset_us + int(segment.end * 1e6))
            if is_hallucinated(segment.text):
                found = self._decode(whisper, audio, where, language)
            elif any(is_stretched(w) for w in found):
                # The window lost its place but its fillers are sound; the hint-free second
                # decoding rarely writes fillers, so they are kept from the first.
                fillers = [w for w in found if is_filler(w.text) and not is_stretched(w)]
                found = sorted(
                    self._decode(whisper, audio, where, language) + fillers,
                    key=lambda w: w.start_us,
                )
            words.extend(found)
        return words

    def _run(
        self,
        whisper: Any,
        audio: FloatArray,
        language: str | None,
        hint: str | None,
        *,
        vad: bool,
    ) -> tuple[Iterable[Any], Any]:
        return whisper.transcribe(  # type: ignore[no-any-return]
            audio,
            language=language,
            beam_size=self.options.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            word_timestamps=True,
            hotwords=hint,
            vad_filter=self.options.vad_filter and vad,
            vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
            no_repeat_ngram_size=0 if hint else 3,
        )

    def _decode(
        self,
        whisper: Any,
        audio: FloatArray,
        span: Span,
        language: str,
        hint: str | None = None,
    ) -> list[Word]:
        """Decode `span` on its own; by default without the filler hint (which can start a
        loop) and with n-gram blocking."""
        segments, _ = self._run(whisper, _slice(audio, span), language, hint, vad=False)
        return [w for s in segments for w in _words(s, span.start_us)]

    def _hear_hesitations_alone(
        self,
        whisper: Any,
        audio: FloatArray,
        language: str,
        words: list[Word],
        speech: list[Span],
    ) -> list[Word]:
        """Decode each held (hesitation-like) island that carries words again, on its own.

        In context the decoder's language model may fill a hesitation with a likely word (one
        that fits between its neighbours); heard alone, a hesitation comes out as a filler or
        as nothing. Then the words stamped on it lose their confidence (0), and the cutter
        judges the island by its sound.
        """
        out = list(words)
        by_centre = WordsByCentre(out)
        candidates = [
            (island, inside)
            for island in held_islands(audio, speech)
            if (inside := by_centre.inside(island))
            and len(inside) <= 2
            and not any(is_filler(out[i].text) for i in inside)
        ]
        hint = self._filler_hint(language)

        def heard_alone(island: Span) -> list[Word]:
            alone = Span(max(0, island.start_us - _ALONE_PAD_US), island.end_us + _ALONE_PAD_US)
            return self._decode(whisper, audio, alone, language, hint)

        heard = self._in_parallel(heard_alone, [island for island, _ in candidates])
        for (_, inside), alone in zip(candidates, heard, strict=True):
            if any(not is_filler(w.text) for w in alone):
                continue
            for i in inside:
                out[i] = Word(out[i].text, out[i].start_us, out[i].end_us, 0.0)
        return out

    def _fill_holes(
        self,
        whisper: Any,
        audio: FloatArray,
        language: str,
        words: list[Word],
        speech: list[Span],
    ) -> list[Word]:
        """Decode again, without the hint, any long voiced stretch the first pass left wordless.

        A prompted decoder sometimes skips a whole window, loops, or stamps one word over
        seconds of speech (such a word covers nothing); the audio shows where. A stretched word
        gives way to whatever the second decoding hears under it.
        """
        holes = uncovered_speech([w for w in words if not is_stretched(w)], speech, min_us=_HOLE_US)
        if not holes:
            return words

        def heard_in(hole: Span) -> list[Word]:
            padded = Span(max(0, hole.start_us - _HOLE_PAD_US), hole.end_us + _HOLE_PAD_US)
            return [
                w
                for w in self._decode(whisper, audio, padded, language)
                if w.start_us >= padded.start_us and w.end_us <= padded.end_us
            ]

        heard = [w for found in self._in_parallel(heard_in, holes) for w in found]
        found = [w for w in words if not (is_stretched(w) and _overlaps_any(w, heard))]
        found.extend(heard)
        found.sort(key=lambda w: w.start_us)
        return found


def decoding_windows(speech: Sequence[Span], duration_us: int, target_us: int) -> list[Span]:
    """Split the recording into windows of about `target_us`, each ending in the longest pause
    of the last quarter before the target (mid-pause), so memory stays bounded on long inputs
    (the decoder computes features for its whole input) and no word is cut in two."""
    windows: list[Span] = []
    start = 0
    gaps = [Span(a.end_us, b.start_us) for a, b in zip(speech, speech[1:], strict=False)]
    while duration_us - start > target_us:
        target = start + target_us
        candidates = [
            g for g in gaps if target - target_us // 4 <= g.start_us and g.end_us <= target
        ]
        if candidates:
            longest = max(candidates, key=lambda g: g.duration_us)
            end = (longest.start_us + longest.end_us) // 2
        else:
            end = target
        windows.append(Span(start, end))
        start = end
    windows.append(Span(start, duration_us))
    return windows


def _slice(audio: FloatArray, span: Span) -> FloatArray:
    first = span.start_us * ANALYSIS_SAMPLE_RATE // 1_000_000
    return audio[first : span.end_us * ANALYSIS_SAMPLE_RATE // 1_000_000]


def _overlaps_any(word: Word, others: list[Word]) -> bool:
    return any(o.start_us < word.end_us and o.end_us > word.start_us for o in others)


def _words(segment: Any, offset_us: int = 0) -> list[Word]:
    out: list[Word] = []
    for w in segment.words or ():
        text = w.word.strip()
        if not text:
            continue
        start = offset_us + int(round(w.start * 1_000_000))
        end = max(start + 1, offset_us + int(round(w.end * 1_000_000)))
        out.append(Word(text, start, end, float(w.probability)))
    return out
