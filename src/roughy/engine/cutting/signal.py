"""The audio evidence the cutter decides on: samples, frame energy and voice activity."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from roughy.engine.audio import (
    ANALYSIS_SAMPLE_RATE,
    FloatArray,
    frame_energy_db,
    load_analysis_audio,
    speech_spans,
)
from roughy.engine.types import CancelCheck, Span
from roughy.engine.voicing import Descriptor, describe


@dataclass(frozen=True)
class AnalysisSignal:
    """16 kHz mono samples, 10 ms energy frames (dBFS) and Silero speech spans."""

    samples: FloatArray
    energy_db: FloatArray
    speech: tuple[Span, ...]

    @property
    def duration_us(self) -> int:
        return self.samples.shape[0] * 1_000_000 // ANALYSIS_SAMPLE_RATE

    @cached_property
    def floor_db(self) -> float:
        """The recording's floor: the level (dB) of its quietest tenth (silence, or the bed)."""
        if self.energy_db.size == 0:
            return -120.0
        return float(np.percentile(self.energy_db, 10))

    def between(self, start_us: int, end_us: int) -> FloatArray:
        """The samples of [start_us, end_us)."""
        first = start_us * ANALYSIS_SAMPLE_RATE // 1_000_000
        return self.samples[first : end_us * ANALYSIS_SAMPLE_RATE // 1_000_000]

    def describe(self, start_us: int, end_us: int) -> Descriptor | None:
        """Voicing, steadiness and syllable count of [start_us, end_us) (see `voicing`)."""
        return describe(self.between(start_us, end_us))

    @classmethod
    def from_samples(
        cls,
        samples: FloatArray,
        speech: tuple[Span, ...] | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> AnalysisSignal:
        found = (
            speech
            if speech is not None
            else tuple(speech_spans(samples, should_cancel=should_cancel))
        )
        return cls(samples=samples, energy_db=frame_energy_db(samples), speech=found)

    @classmethod
    def from_file(cls, path: Path, should_cancel: CancelCheck | None = None) -> AnalysisSignal:
        return cls.from_samples(load_analysis_audio(path), should_cancel=should_cancel)
