"""Exports of a cut document: captions, editor timelines, JSON and the decision SRT."""

from __future__ import annotations

import json
from collections.abc import Callable

from roughy.engine.errors import UnsupportedFormat
from roughy.engine.export.base import CutClock, ExportedFile, ExportSource, kept_words
from roughy.engine.export.captions import caption_cues, to_decision_srt, to_srt, to_vtt
from roughy.engine.export.timeline import (
    build_timeline,
    to_edl,
    to_fcpxml,
    to_otio,
    to_xmeml,
)
from roughy.engine.types import CutDocument


def to_json(doc: CutDocument, source: ExportSource) -> str:
    """The cut document, plus kept/removed spans in seconds for people and scripts."""
    data = doc.to_dict()
    data["source"] = {
        "name": source.name,
        "path": source.path,
        "frame_rate": str(source.rate),
        "has_video": source.has_video,
    }
    data["kept_seconds"] = [[s.start_us / 1e6, s.end_us / 1e6] for s in doc.kept]
    data["removed_seconds"] = [
        {
            "start": r.start_us / 1e6,
            "end": r.end_us / 1e6,
            "kind": r.kind.value,
            "reason": r.reason,
            "confidence": r.confidence,
        }
        for r in doc.removed
    ]
    data["output_duration_seconds"] = doc.kept_duration_us / 1e6
    return json.dumps(data, indent=2, ensure_ascii=False)


_Writer = Callable[[CutDocument, ExportSource], str]

FORMATS: dict[str, tuple[_Writer, str, str]] = {
    "srt": (lambda d, s: to_srt(d), "application/x-subrip", "srt"),
    "vtt": (lambda d, s: to_vtt(d), "text/vtt", "vtt"),
    "decisions": (lambda d, s: to_decision_srt(d), "application/x-subrip", "decisions.srt"),
    "json": (to_json, "application/json", "json"),
    "otio": (to_otio, "application/vnd.opentimelineio+json", "otio"),
    "fcpxml": (to_fcpxml, "application/xml", "fcpxml"),
    "xmeml": (to_xmeml, "application/xml", "xml"),
    "edl": (to_edl, "text/plain", "edl"),
}
"""format name -> (writer, media type, file extension)."""


def export_cut(doc: CutDocument, fmt: str, source: ExportSource) -> ExportedFile:
    """Render `doc` in one of `FORMATS`; unknown names raise `UnsupportedFormat`."""
    entry = FORMATS.get(fmt.lower())
    if entry is None:
        raise UnsupportedFormat(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer, media_type, extension = entry
    return ExportedFile(writer(doc, source).encode("utf-8"), media_type, extension)


__all__ = [
    "FORMATS",
    "CutClock",
    "ExportSource",
    "ExportedFile",
    "build_timeline",
    "caption_cues",
    "export_cut",
    "kept_words",
    "to_decision_srt",
    "to_edl",
    "to_fcpxml",
    "to_json",
    "to_otio",
    "to_srt",
    "to_vtt",
    "to_xmeml",
]
