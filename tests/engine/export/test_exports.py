from __future__ import annotations

import json
from fractions import Fraction
from xml.etree import ElementTree as ET

import opentimelineio as otio
import pytest

from roughy.engine.export import FORMATS, ExportSource, export_cut
from roughy.engine.export.captions import to_decision_srt, to_srt, to_vtt
from roughy.engine.types import CutDocument, EngineError, RemovalKind, RemovedSpan, Span, Word

NTSC = Fraction(30000, 1001)
FILM = Fraction(24000, 1001)


def document() -> CutDocument:
    words = (
        Word("Hello", 1_000_000, 1_400_000),
        Word("world.", 1_500_000, 2_000_000),
        Word("um", 11_000_000, 11_300_000),
        Word("Next", 13_000_000, 13_400_000),
        Word("part.", 13_500_000, 14_000_000),
    )
    return CutDocument(
        source_duration_us=120_000_000,
        kept=(Span(0, 10_000_000), Span(12_500_000, 70_000_000), Span(80_000_000, 120_000_000)),
        removed=(
            RemovedSpan(10_000_000, 12_500_000, RemovalKind.FILLER, "filler word “um”", 0.95),
            RemovedSpan(70_000_000, 80_000_000, RemovalKind.SILENCE, "pause shortened", 0.99),
        ),
        words=words,
        language="en",
    )


def source(rate: Fraction | None = NTSC, has_video: bool = True) -> ExportSource:
    return ExportSource(
        name="talk.mp4",
        path="/media/talk.mp4",
        frame_rate=rate,
        has_video=has_video,
        width=1920,
        height=1080,
    )


def test_srt_is_retimed_to_the_cut() -> None:
    assert to_srt(document()) == (
        "1\n00:00:01,000 --> 00:00:02,000\nHello world.\n\n"
        "2\n00:00:10,500 --> 00:00:11,500\nNext part.\n"
    )


def test_vtt_is_retimed_to_the_cut() -> None:
    assert to_vtt(document()) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello world.\n\n"
        "00:00:10.500 --> 00:00:11.500\nNext part.\n"
    )


def test_long_runs_of_words_are_split_into_readable_cues() -> None:
    words = tuple(Word(f"word{i}", i * 300_000, i * 300_000 + 250_000) for i in range(40))
    doc = CutDocument(12_000_000, (Span(0, 12_000_000),), (), words, "en")
    cues = to_srt(doc).strip().split("\n\n")
    assert len(cues) > 4
    assert all(len(c.split("\n")[2]) <= 42 for c in cues)


def test_decision_srt_lists_every_span_with_its_fate() -> None:
    text = to_decision_srt(document())
    blocks = text.strip().split("\n\n")
    assert [b.split("\n")[2].split(" ")[0] for b in blocks] == [
        "KEEP",
        "DROP",
        "KEEP",
        "DROP",
        "KEEP",
    ]
    assert blocks[1] == (
        "2\n00:00:10,000 --> 00:00:12,500\nDROP filler (0.95): filler word “um”\num"
    )
    assert blocks[0].endswith("KEEP\nHello world.")


def test_json_export_has_seconds_and_round_trips() -> None:
    data = json.loads(export_cut(document(), "json", source()).content)
    assert data["kept_seconds"][1] == [12.5, 70.0]
    assert data["removed_seconds"][0]["kind"] == "filler"
    assert data["output_duration_seconds"] == pytest.approx(107.5)
    assert CutDocument.from_dict(data) == document()


def _clips(text: str, adapter: str, **kwargs: float) -> list[otio.schema.Clip]:
    parsed = otio.adapters.read_from_string(text, adapter, **kwargs)
    if isinstance(parsed, otio.schema.SerializableCollection):
        parsed = parsed[0]
    return list(parsed.find_clips())


@pytest.mark.parametrize("rate", [NTSC, FILM, Fraction(25)])
def test_otio_round_trip_is_frame_exact(rate: Fraction) -> None:
    clips = _clips(export_cut(document(), "otio", source(rate)).content.decode(), "otio_json")
    video = clips[:3]
    expected = [
        (round(Fraction(a, 10**6) * rate), round(Fraction(b, 10**6) * rate))
        for a, b in ((0, 10**7), (12_500_000, 70_000_000), (80_000_000, 120_000_000))
    ]
    got = [
        (
            c.source_range.start_time.value,
            c.source_range.start_time.value + c.source_range.duration.value,
        )
        for c in video
    ]
    assert got == expected
    assert video[0].source_range.start_time.rate == pytest.approx(float(rate))
    assert video[0].media_reference.target_url == "file:///media/talk.mp4"


def test_ntsc_frame_math() -> None:
    clips = _clips(export_cut(document(), "otio", source(NTSC)).content.decode(), "otio_json")
    assert [
        (c.source_range.start_time.value, c.source_range.duration.value) for c in clips[:3]
    ] == [(0, 300), (375, 1723), (2398, 1198)]
    film = _clips(export_cut(document(), "otio", source(FILM)).content.decode(), "otio_json")
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in film[:3]] == [
        (0, 240),
        (300, 1378),
        (1918, 959),
    ]


def test_xmeml_reparses_with_the_same_cuts() -> None:
    text = export_cut(document(), "xmeml", source(NTSC)).content.decode()
    timeline = otio.adapters.read_from_string(text, "fcp_xml")
    video = list(timeline.video_tracks()[0].find_clips())
    assert len(timeline.audio_tracks()) == 1
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in video] == [
        (0, 300),
        (375, 1723),
        (2398, 1198),
    ]
    root = ET.fromstring(text)
    assert root.tag == "xmeml"
    assert _find(root, ".//rate/ntsc").text == "TRUE"
    assert _find(root, ".//rate/timebase").text == "30"


def test_edl_uses_drop_frame_for_2997() -> None:
    text = export_cut(document(), "edl", source(NTSC)).content.decode()
    assert "FCM: DROP FRAME" in text
    assert "00:01:20;00" in text
    events = [line for line in text.splitlines() if line[:3].isdigit()]
    assert len(events) == 3
    assert events[1].split()[-4:] == ["00:00:12;15", "00:01:10;00", "00:00:10;00", "00:01:07;15"]
    clips = _clips(text, "cmx_3600", rate=float(NTSC))
    assert len(clips) == 9  # each event carries picture and both audio channels (AA/V)
    clips = clips[:3]
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips] == [
        (0, 300),
        (375, 1723),
        (2398, 1198),
    ]


def test_edl_is_non_drop_for_23976() -> None:
    text = export_cut(document(), "edl", source(FILM)).content.decode()
    assert "FCM: NON-DROP FRAME" in text
    assert ";" not in "".join(line for line in text.splitlines() if line[:3].isdigit())
    clips = _clips(text, "cmx_3600", rate=float(FILM))[:3]
    assert [c.source_range.start_time.value for c in clips] == [0, 300, 1918]


def test_edl_of_audio_only_source() -> None:
    text = export_cut(document(), "edl", source(None, has_video=False)).content.decode()
    events = [line for line in text.splitlines() if line[:3].isdigit()]
    assert len(events) == 3 and all(e.split()[2] == "AA" for e in events)  # stereo


def test_fcpxml_times_are_exact_rationals() -> None:
    text = export_cut(document(), "fcpxml", source(NTSC)).content.decode()
    root = ET.fromstring(text.split("\n", 2)[2])
    assert _find(root, "./resources/format").get("frameDuration") == "1001/30000s"
    clips = root.findall(".//spine/asset-clip")
    assert [(c.get("start"), c.get("duration"), c.get("offset")) for c in clips] == [
        ("0s", "1001/100s", "0s"),
        (_r(375), _r(1723), _r(300)),
        (_r(2398), _r(1198), _r(300 + 1723)),
    ]
    assert _r(375) == "1001/80s"
    assert _find(root, ".//sequence").get("tcFormat") == "DF"
    reparsed = _clips(text, "fcpx_xml")
    assert len(reparsed) == 3
    assert reparsed[0].media_reference.target_url == "file:///media/talk.mp4"


def _find(root: ET.Element, path: str) -> ET.Element:
    found = root.find(path)
    assert found is not None, path
    return found


def _r(frames: int) -> str:
    value = Fraction(frames) * Fraction(1001, 30000)
    return f"{value.numerator}/{value.denominator}s" if value.denominator != 1 else f"{value}s"


def test_fcpxml_film_rate_is_non_drop() -> None:
    text = export_cut(document(), "fcpxml", source(FILM)).content.decode()
    assert 'frameDuration="1001/24000s"' in text
    assert 'tcFormat="NDF"' in text


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_has_type_and_extension(fmt: str) -> None:
    exported = export_cut(document(), fmt, source())
    assert exported.content and exported.media_type and exported.extension
    assert exported.media_type == FORMATS[fmt][1]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(EngineError) as info:
        export_cut(document(), "aaf", source())
    assert info.value.code == "unsupported_format"
