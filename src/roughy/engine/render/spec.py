"""What to render: the /v1 RenderOutput options and the /api/v1 presets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OutputFormat = Literal["mp4", "mov", "m4a", "mp3"]
Resolution = Literal["720p", "1080p", "4k"]
VideoBitrate = Literal[5, 10, 20, 50]
AudioBitrate = Literal[128, 192, 256, 320]

VIDEO_FORMATS: frozenset[str] = frozenset({"mp4", "mov"})
AUDIO_FORMATS: frozenset[str] = frozenset({"m4a", "mp3"})

TIER_SHORT_EDGE: dict[str, int] = {"720p": 720, "1080p": 1080, "4k": 2160}


@dataclass(frozen=True)
class OutputSpec:
    """RenderOutput: `resolution` is a tier on the shorter edge; bitrates in Mbps / kbps."""

    format: OutputFormat
    resolution: Resolution | None = None
    video_bitrate: VideoBitrate | None = None
    audio_bitrate: AudioBitrate | None = None
    fade_ms: int = 5

    @property
    def is_video(self) -> bool:
        return self.format in VIDEO_FORMATS


@dataclass(frozen=True)
class PresetSpec:
    """An /api/v1 preset: an OutputSpec plus an optional fixed canvas filled by centre-cropping."""

    name: str
    output: OutputSpec
    canvas: tuple[int, int] | None = None
    """(width, height) to crop-fill in display orientation; never upscaled."""

    @property
    def format(self) -> OutputFormat:
        return self.output.format

    @property
    def is_video(self) -> bool:
        return self.output.is_video


PRESETS: dict[str, PresetSpec] = {
    "web_1080p": PresetSpec("web_1080p", OutputSpec("mp4", resolution="1080p")),
    "web_720p": PresetSpec("web_720p", OutputSpec("mp4", resolution="720p")),
    "social_vertical_1080p": PresetSpec(
        "social_vertical_1080p", OutputSpec("mp4", resolution="1080p"), canvas=(1080, 1920)
    ),
}


def as_preset(output: OutputSpec | PresetSpec) -> PresetSpec:
    return output if isinstance(output, PresetSpec) else PresetSpec("custom", output)
