"""`analyse`: one recording's analysis WAV to its cut, the single entry point of `roughy cut` and
the worker. The audio evidence (samples, energy, voice activity) is built once and shared."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from roughy.engine.cutting import Adjudicator, AnalysisSignal, CutOptions, decide_cut
from roughy.engine.transcribe import Transcriber
from roughy.engine.types import CancelCheck, CutDocument, ProgressCallback, Transcript

TRANSCRIBE_SHARE = 0.85
"""Share of the progress that transcription takes when no transcript is given."""
EVIDENCE_SHARE = 0.1
"""Share of the progress that the audio evidence (decode, energy, voice activity) takes."""


@dataclass(frozen=True)
class Analysis:
    transcript: Transcript
    document: CutDocument


def analyse(
    audio: Path,
    *,
    transcriber: Transcriber | None = None,
    transcript: Transcript | None = None,
    language: str | None = None,
    options: CutOptions | None = None,
    script: str | None = None,
    adjudicator: Adjudicator | None = None,
    frame_rate: Fraction | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> Analysis:
    """Transcribe `audio` (a 16 kHz mono analysis WAV) unless `transcript` is given, hear its
    audio evidence once, and decide the cut. Raises `EngineError` subclasses."""
    if transcript is None and transcriber is None:
        raise ValueError("analyse needs a transcript or a transcriber")
    share = 0.0 if transcript is not None else TRANSCRIBE_SHARE

    def report(fraction: float) -> None:
        if on_progress is not None:
            on_progress(min(1.0, fraction))

    if transcript is None:
        assert transcriber is not None
        # Transcribed before the evidence is heard, so that the transcriber's copy of the
        # samples is freed before the signal's is made (one hour: 230 MB each).
        transcript = transcriber.transcribe(
            audio,
            language=language,
            on_progress=lambda f: report(share * f),
            should_cancel=should_cancel,
        )
    report(share)
    signal = AnalysisSignal.from_file(audio, should_cancel=should_cancel)
    report(share + EVIDENCE_SHARE * (1 - share))
    document = decide_cut(
        transcript,
        signal,
        options or CutOptions(),
        script=script,
        adjudicator=adjudicator,
        frame_rate=frame_rate,
        should_cancel=should_cancel,
    )
    report(1.0)
    return Analysis(transcript, document)
