"""Edit decisions: which spans of a recording to keep, and why the rest went."""

from roughy.engine.cutting.adjudicator import (
    AdjudicationRequest,
    Adjudicator,
    ClaudeAdjudicator,
)
from roughy.engine.cutting.decide import decide_cut
from roughy.engine.cutting.options import PRESETS, CutOptions, Preset
from roughy.engine.cutting.signal import AnalysisSignal

__all__ = [
    "PRESETS",
    "AdjudicationRequest",
    "Adjudicator",
    "AnalysisSignal",
    "ClaudeAdjudicator",
    "CutOptions",
    "Preset",
    "decide_cut",
]
