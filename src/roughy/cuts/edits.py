"""A reviewer's edits applied to an engine cut: pure functions over `CutDocument`.

An edit is `keep` or `remove` over a half-open source interval. Edits never overlap, so their
order does not matter: the kept set of the result is the base's kept set, minus every `remove`
interval, plus every `keep` interval. The engine's reasons survive where its decision stands; a
suggestion the reviewer removed becomes a removal with the engine's reason, and anything else the
reviewer removed is a `manual` removal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from roughy.cuts.schemas import EditAction
from roughy.engine.timebase import frame_to_us, nearest_boundary
from roughy.engine.types import CutDocument, RemovalKind, RemovedSpan, Span

MANUAL_REASON = "Removed by a reviewer."


@dataclass(frozen=True)
class Edit:
    start_us: int
    end_us: int
    action: EditAction

    def to_dict(self) -> dict[str, object]:
        return {"start_us": self.start_us, "end_us": self.end_us, "action": self.action.value}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Edit:
        return cls(
            int(str(data["start_us"])), int(str(data["end_us"])), EditAction(str(data["action"]))
        )


class EditProblem(ValueError):
    """An edit list that cannot be applied; `index` names the offending edit (None: the whole)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def check_edits(edits: Sequence[Edit], source_duration_us: int) -> None:
    """Each edit inside the media and non-empty; no two overlapping (touching is fine)."""
    for index, edit in enumerate(edits):
        if edit.start_us < 0 or edit.end_us > source_duration_us:
            raise EditProblem(
                f"Edit {index} lies outside the media (0 to {source_duration_us / 1e6:.6f} s).",
                index,
            )
        if edit.end_us <= edit.start_us:
            raise EditProblem(f"Edit {index} must end after it starts.", index)
    ordered = sorted(range(len(edits)), key=lambda i: edits[i].start_us)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if edits[after].start_us < edits[before].end_us:
            raise EditProblem(f"Edit {after} overlaps edit {before}.", after)


def _subtract(spans: Iterable[Span], cut: Span) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if span.end_us <= cut.start_us or span.start_us >= cut.end_us:
            out.append(span)
            continue
        if span.start_us < cut.start_us:
            out.append(Span(span.start_us, cut.start_us))
        if span.end_us > cut.end_us:
            out.append(Span(cut.end_us, span.end_us))
    return out


def _union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_us):
        if merged and span.start_us <= merged[-1].end_us:
            last = merged[-1]
            merged[-1] = Span(last.start_us, max(last.end_us, span.end_us))
        else:
            merged.append(span)
    return merged


def _trim(removals: Iterable[RemovedSpan], away: Iterable[Span]) -> list[RemovedSpan]:
    """Each removal minus the `away` intervals, its reason kept on every piece left."""
    holes = list(away)
    out: list[RemovedSpan] = []
    for removal in removals:
        pieces = [Span(removal.start_us, removal.end_us)]
        for hole in holes:
            pieces = _subtract(pieces, hole)
        out.extend(replace(removal, start_us=p.start_us, end_us=p.end_us) for p in pieces)
    return out


def _clip(removals: Iterable[RemovedSpan], inside: Span) -> list[RemovedSpan]:
    out: list[RemovedSpan] = []
    for removal in removals:
        start, end = max(removal.start_us, inside.start_us), min(removal.end_us, inside.end_us)
        if end > start:
            out.append(replace(removal, start_us=start, end_us=end))
    return out


def apply_edits(
    base: CutDocument, edits: Sequence[Edit], frame_rate: Fraction | None = None
) -> CutDocument:
    """The base document with the edits applied (call `check_edits` first). Kept and removed
    spans still tile the source exactly once; with a `frame_rate`, every inner boundary is on
    its frame grid (where a video render cuts), so the kept duration is what the render lasts."""
    keeps = [Span(e.start_us, e.end_us) for e in edits if e.action is EditAction.KEEP]
    removes = [Span(e.start_us, e.end_us) for e in edits if e.action is EditAction.REMOVE]
    kept: list[Span] = list(base.kept)
    for span in removes:
        kept = _subtract(kept, span)
    kept = _union([*kept, *keeps])
    edited = [*keeps, *removes]
    removed = _trim(base.removed, edited)
    for span in removes:
        engine = _clip(base.removed, span)
        engine += _trim(_clip(base.suggested, span), [Span(r.start_us, r.end_us) for r in engine])
        removed += engine
        for piece in _gaps(span, [Span(r.start_us, r.end_us) for r in engine]):
            removed.append(
                RemovedSpan(piece.start_us, piece.end_us, RemovalKind.MANUAL, MANUAL_REASON, 1.0)
            )
    edited_doc = replace(
        base,
        kept=tuple(kept),
        removed=tuple(sorted(removed, key=lambda r: r.start_us)),
        suggested=tuple(_trim(base.suggested, edited)),
    )
    return edited_doc if frame_rate is None else _on_frame_grid(edited_doc, frame_rate)


def _on_frame_grid(doc: CutDocument, rate: Fraction) -> CutDocument:
    """Every boundary but the source's ends moved to the nearest frame boundary; spans left
    empty are dropped. Neighbours share boundaries, so the tiling survives."""
    end = doc.source_duration_us

    def at(t: int) -> int:
        return t if t in (0, end) else min(end, frame_to_us(nearest_boundary(t, rate), rate))

    def moved(spans: Iterable[RemovedSpan]) -> tuple[RemovedSpan, ...]:
        out = (replace(r, start_us=at(r.start_us), end_us=at(r.end_us)) for r in spans)
        return tuple(r for r in out if r.end_us > r.start_us)

    kept = (Span(at(s.start_us), at(s.end_us)) for s in doc.kept)
    return replace(
        doc,
        kept=tuple(_union(s for s in kept if s.end_us > s.start_us)),
        removed=moved(doc.removed),
        suggested=moved(doc.suggested),
    )


def _gaps(span: Span, covered: list[Span]) -> list[Span]:
    pieces = [span]
    for hole in covered:
        pieces = _subtract(pieces, hole)
    return pieces
