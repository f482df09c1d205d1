"""x264 settings of the full re-encode, per output tier, chosen from a measured table.

`bench/encoder_table.py` encodes the same frames with each candidate preset/CRF at each tier, with
all cores, and scores them by PSNR against those exact frames; the table and how the choice was
made are in docs/encoder-table.md. The rule: the fastest setting (frames per CPU-second) whose
PSNR stays within 1 dB of the previous default (veryfast, CRF 20) at the tier's cap, and that
holds up under a binding cap: ultrafast (no CABAC, no deblocking) and superfast (no lookahead,
no macroblock tree) fell to 28-31 dB from the smart render in the render tests (320x240 at
~350 kbps), so the full path keeps veryfast/CRF 20 for now. `-maxrate` (the tier's
bitrate, capped at the source's) still bounds the size whatever the CRF.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class X264Setting:
    preset: str
    crf: int

    def args(self) -> list[str]:
        # threads 0: one x264 thread per core and a half (x264's own choice), i.e. all cores
        return ["-c:v", "libx264", "-threads", "0", "-preset", self.preset, "-crf", str(self.crf)]


X264_UP_TO_720P = X264Setting("veryfast", 20)
"""Outputs up to 720 px on the shorter edge. docs/encoder-table.md, 720p: superfast/CRF 20 is
1.6x faster at 48.7 vs 45.0 dB under the tier's 5 Mbps cap, but under a binding cap (the render
tests' 320x240 outputs at 354 kbps) it came out 31 dB from the smart render of the same cut
(veryfast: above 35), so veryfast stays until a table at binding caps says otherwise."""

X264_UP_TO_1080P = X264Setting("veryfast", 20)
"""Outputs from 721 to 1080 px on the shorter edge. docs/encoder-table.md, 1080p: superfast/CRF
23 is 1.4x faster at 48.2 vs 45.3 dB under the 10 Mbps cap; kept at veryfast for the reason of
`X264_UP_TO_720P`."""

X264_ABOVE_1080P = X264_UP_TO_1080P
"""4K outputs: not in the table (too slow to measure on the 2-core machine); the 1080p choice."""


X264_EDGE = X264Setting("superfast", 18)
"""Smart render's re-encoded edges (a GOP or two around each join; an hour cut every few seconds
re-encodes 30-45% of its frames this way, neighbouring edges in one ffmpeg process, edges.py). CRF
18 so an edge does not show next to the copied source; superfast keeps CABAC, 8x8 transforms and
B-frames like veryfast (the pieces keep the source's reorder delay), at 1.6x veryfast's frames per
CPU-second in docs/encoder-table.md (720p, CRF 20: 72 vs 45); `-maxrate` at 1.5x the source bounds
its size. Edges pass the render tests' frame comparison with the full path."""


def x264_setting(short_edge: int) -> X264Setting:
    """The setting for an output whose shorter edge is `short_edge` pixels."""
    if short_edge <= 720:
        return X264_UP_TO_720P
    if short_edge <= 1080:
        return X264_UP_TO_1080P
    return X264_ABOVE_1080P
