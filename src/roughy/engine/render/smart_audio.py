"""Smart render's audio: the full re-encode's trims and fades, rendered in groups of kept spans.

ffmpeg schedules a filter graph by scanning every filter of it for each step it takes, so one
graph with a branch per kept span grows quadratically: an hour cut every few seconds (650 spans,
about 3,000 filters) took 187 CPU-s where decoding and encoding the same audio alone took 92.
Each group of `AUDIO_GROUP_SPANS` spans is rendered to PCM by its own process, with the full
re-encode's graph cut down to the group's spans (same resampling, padding, trims and fades, in the
same sample positions); one more process joins the PCM files (the concat demuxer; sample-exact)
and encodes the audio once, beside the video edges. Measured on that hour (loaded machine): the 7
PCM groups 47 CPU-s, the encode 120 (AAC encoding is most of the audio's cost; one graph: 187).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from roughy.engine.probe import MediaInfo
from roughy.engine.render.plan import (
    FfmpegStep,
    RenderPlan,
    Segment,
    audio_codec_args,
    filter_graph,
)
from roughy.engine.timebase import frames_to_samples

AUDIO_GROUP_SPANS = 96
"""Kept spans per PCM process. Every group decodes the source's audio from its start (no seek,
so every sample is where the full re-encode has it), ~8 CPU-s for an hour's file; groups of 96
keep the graphs at a few hundred filters while an hour's 650 spans need only 7 processes."""


@dataclass(frozen=True)
class AudioSteps:
    pcm: tuple[FfmpegStep, ...]
    """One per group of spans, writing the files `listing` joins."""
    encode: FfmpegStep
    listing: str
    """The ffconcat script joining the PCM files (to be written to `list_path`)."""
    list_path: Path
    encoded: Path


def plan_audio(ffmpeg: Path, info: MediaInfo, plan: RenderPlan, work: Path) -> AudioSteps | None:
    """Pure: the steps rendering the kept audio to `work/audio.m4a` (None without audio)."""
    if info.audio is None or plan.sample_rate is None or plan.audio_kbps is None:
        return None
    assert plan.frame_rate is not None
    last = max(s.frame_end or 0 for s in plan.segments)
    total = frames_to_samples(last, plan.frame_rate, plan.sample_rate)
    groups = [
        plan.segments[i : i + AUDIO_GROUP_SPANS]
        for i in range(0, len(plan.segments), AUDIO_GROUP_SPANS)
    ]
    paths = [work / f"audio_{i:03d}.wav" for i in range(len(groups))]
    pcm = tuple(
        _pcm_step(ffmpeg, info, plan, group, total, path)
        for group, path in zip(groups, paths, strict=True)
    )
    listing = "ffconcat version 1.0\n" + "".join(f"file '{p.name}'\n" for p in paths)
    list_path, encoded = work / "audio.ffconcat", work / "audio.m4a"
    argv = [str(ffmpeg), "-y", "-loglevel", "error", "-f", "concat", "-safe", "0"]
    argv += ["-i", str(list_path), "-map", "0:a:0"]
    argv += [*audio_codec_args(plan.format, plan.audio_kbps, info.audio), "-f", "mp4"]
    weight = (plan.frame_count or 0) / 8
    encode = FfmpegStep((*argv, str(encoded)), plan.duration_us, weight=weight)
    return AudioSteps(pcm, encode, listing, list_path, encoded)


def _pcm_step(
    ffmpeg: Path,
    info: MediaInfo,
    plan: RenderPlan,
    group: tuple[Segment, ...],
    total_samples: int,
    dest: Path,
) -> FfmpegStep:
    assert plan.sample_rate is not None
    graph = filter_graph(
        group,
        rate=None,
        video_filters=(),
        sample_rate=plan.sample_rate,
        fade_ms=plan.fade_ms,
        total_samples=total_samples,
    )
    samples = sum((s.sample_end or 0) - (s.sample_start or 0) for s in group)
    argv = (
        str(ffmpeg), "-y", "-loglevel", "error", "-i", str(info.path),
        "-filter_complex", graph, "-map", "[aout]", "-vn", "-sn", "-dn",
        "-c:a", "pcm_f32le", "-f", "wav", str(dest),
    )  # fmt: skip
    duration_us = samples * 1_000_000 // plan.sample_rate
    return FfmpegStep(argv, duration_us, weight=len(group) * 4)
