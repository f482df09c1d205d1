"""Editor timelines: OpenTimelineIO (otio, xmeml, edl) and a hand-written, frame-exact FCPXML."""

from __future__ import annotations

import re
from fractions import Fraction
from xml.etree import ElementTree as ET

import opentimelineio as otio

from roughy.engine.errors import ExportFailed
from roughy.engine.export.base import ExportSource, frame_spans, to_frame
from roughy.engine.types import CutDocument


def _rt(frames: int, rate: Fraction) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, float(rate))


def build_timeline(doc: CutDocument, source: ExportSource) -> otio.schema.Timeline:
    """One video track (if the source has video) and one audio track of the kept spans."""
    rate = source.rate
    total = to_frame(doc.source_duration_us, rate)
    timeline = otio.schema.Timeline(name=f"{source.name} (rough cut)")
    timeline.global_start_time = _rt(0, rate)
    kinds = [otio.schema.TrackKind.Audio]
    if source.has_video:
        kinds.insert(0, otio.schema.TrackKind.Video)
    for kind in kinds:
        track = otio.schema.Track(
            name="V1" if kind == otio.schema.TrackKind.Video else "A1", kind=kind
        )
        for n, (first, end) in enumerate(frame_spans(doc.kept, rate), start=1):
            reference = otio.schema.ExternalReference(
                target_url=source.url,
                available_range=otio.opentime.TimeRange(_rt(0, rate), _rt(total, rate)),
            )
            track.append(
                otio.schema.Clip(
                    name=f"{source.name} #{n}",
                    media_reference=reference,
                    source_range=otio.opentime.TimeRange(_rt(first, rate), _rt(end - first, rate)),
                )
            )
        timeline.tracks.append(track)
    return timeline


def to_otio(doc: CutDocument, source: ExportSource) -> str:
    return str(otio.adapters.write_to_string(build_timeline(doc, source), "otio_json"))


def to_xmeml(doc: CutDocument, source: ExportSource) -> str:
    """Final Cut Pro 7 XML (xmeml), the format Premiere Pro imports."""
    return str(otio.adapters.write_to_string(build_timeline(doc, source), "fcp_xml"))


def is_drop_frame(rate: Fraction) -> bool:
    """NTSC 29.97 and 59.94 use drop-frame timecode; 23.976 is always non-drop."""
    return rate.denominator == 1001 and rate.numerator in (30_000, 60_000)


def to_edl(doc: CutDocument, source: ExportSource) -> str:
    """CMX 3600 EDL: one event per kept span, carrying the picture and the sound (`B` = V + A1
    for mono, `AA/V` for stereo; `A`/`AA` for sources without video), with the FCM line matching
    the timecode (drop frame for 29.97/59.94)."""
    timeline = build_timeline(doc, source)
    del timeline.tracks[1:]
    timeline.tracks[0].kind = otio.schema.TrackKind.Video
    try:
        text = str(
            otio.adapters.write_to_string(
                timeline, "cmx_3600", rate=float(source.rate), reelname_len=8, style="avid"
            )
        )
    except otio.exceptions.OTIOError as exc:
        raise ExportFailed(f"EDL export failed: {exc}") from exc
    text = _EVENT_CHANNEL.sub(rf"\g<1>{_edl_channels(source)}\2", text)
    fcm = "FCM: DROP FRAME" if is_drop_frame(source.rate) else "FCM: NON-DROP FRAME"
    lines = text.split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    return "\n".join([*lines[:at], fcm, *lines[at:]])


_EVENT_CHANNEL = re.compile(r"^(\d{3}\s+\S+\s+)V(\s)", re.MULTILINE)


def _edl_channels(source: ExportSource) -> str:
    sound = "" if not source.has_audio else ("A" if source.audio_channels == 1 else "AA")
    if not source.has_video:
        return sound or "A"
    return {"": "V", "A": "B", "AA": "AA/V"}[sound]


def _seconds(value: Fraction) -> str:
    if value == 0:
        return "0s"
    if value.denominator == 1:
        return f"{value.numerator}s"
    return f"{value.numerator}/{value.denominator}s"


def to_fcpxml(doc: CutDocument, source: ExportSource) -> str:
    """FCPXML 1.8 for Final Cut Pro and DaVinci Resolve; every time is an exact frame multiple."""
    rate = source.rate
    frame = 1 / rate
    spans = frame_spans(doc.kept, rate)
    total = to_frame(doc.source_duration_us, rate)
    root = ET.Element("fcpxml", version="1.8")
    resources = ET.SubElement(root, "resources")
    fmt = {"id": "r1", "frameDuration": _seconds(frame)}
    if source.has_video and source.width and source.height:
        fmt.update(width=str(source.width), height=str(source.height))
    ET.SubElement(resources, "format", fmt)
    ET.SubElement(
        resources,
        "asset",
        {
            "id": "r2",
            "name": source.name,
            "src": source.url,
            "start": "0s",
            "duration": _seconds(total * frame),
            "hasVideo": "1" if source.has_video else "0",
            "hasAudio": "1",
            "format": "r1",
            "audioSources": "1",
            "audioChannels": str(source.audio_channels),
            "audioRate": str(source.audio_sample_rate),
        },
    )
    event = ET.SubElement(ET.SubElement(root, "library"), "event", name="Roughy")
    project = ET.SubElement(event, "project", name=f"{source.name} (rough cut)")
    length = sum(end - first for first, end in spans)
    sequence = ET.SubElement(
        project,
        "sequence",
        {
            "format": "r1",
            "duration": _seconds(length * frame),
            "tcStart": "0s",
            "tcFormat": "DF" if is_drop_frame(rate) else "NDF",
        },
    )
    spine = ET.SubElement(sequence, "spine")
    offset = 0
    for n, (first, end) in enumerate(spans, start=1):
        ET.SubElement(
            spine,
            "asset-clip",
            {
                "ref": "r2",
                "name": f"{source.name} #{n}",
                "offset": _seconds(offset * frame),
                "start": _seconds(first * frame),
                "duration": _seconds((end - first) * frame),
                "format": "r1",
                "tcFormat": "DF" if is_drop_frame(rate) else "NDF",
            },
        )
        offset += end - first
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"
