"""Per decision pass: how much it removed (or suggested) and how much of that was unwanted.

The precision of a pass is the share of the speech frames it removed that the corpus labels
`drop` (silence inside its spans is not counted either way). It is what a pass's confidence
should be: `python -m bench.cut_quality --passes` prints it for the tuning split, which is where
confidences are calibrated (never on the validation split).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from roughy.engine.types import CutDocument, RemovedSpan

FRAME_S = 0.01
BoolArray = npt.NDArray[np.bool_]


@dataclass
class PassTally:
    """Per pass name: speech seconds it took that were unwanted, and that were wanted."""

    unwanted: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    wanted: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    spans: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, meta: dict[str, Any], speech: BoolArray, spans: tuple[RemovedSpan, ...]) -> None:
        frames = speech.shape[0]
        drop = np.zeros(frames, bool)
        for span in meta["spans"]:
            if span["label"] == "drop":
                drop[int(span["start"] / FRAME_S) : int(span["end"] / FRAME_S)] = True
        sounding = speech | drop
        for removed in spans:
            a = min(frames, round(removed.start_us / 1e6 / FRAME_S))
            b = min(frames, round(removed.end_us / 1e6 / FRAME_S))
            name = f"{removed.pass_name or '?'}:{removed.kind.value}"
            self.spans[name] += 1
            self.unwanted[name] += float((sounding[a:b] & drop[a:b]).sum()) * FRAME_S
            self.wanted[name] += float((sounding[a:b] & ~drop[a:b]).sum()) * FRAME_S

    def table(self, title: str) -> str:
        lines = [title, f"  {'pass:kind':<34} {'spans':>6} {'unwanted_s':>10} {'wanted_s':>9} "
                 f"{'precision':>9}"]  # fmt: skip
        for name in sorted(self.spans):
            got, lost = self.unwanted[name], self.wanted[name]
            precision = got / (got + lost) if got + lost > 0 else float("nan")
            lines.append(
                f"  {name:<34} {self.spans[name]:6d} {got:10.1f} {lost:9.1f} {precision:9.1%}"
            )
        return "\n".join(lines)


@dataclass
class Passes:
    removed: PassTally = field(default_factory=PassTally)
    suggested: PassTally = field(default_factory=PassTally)

    def add(self, meta: dict[str, Any], speech: BoolArray, doc: CutDocument) -> None:
        self.removed.add(meta, speech, doc.removed)
        self.suggested.add(meta, speech, doc.suggested)
