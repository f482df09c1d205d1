"""What a reviewer sees and hears of a source: waveform peaks and short WAV excerpts, both read
from the 16 kHz analysis audio (`audio.extract_analysis_audio`)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from roughy.engine.audio import ANALYSIS_SAMPLE_RATE, open_analysis_audio


def waveform_peaks(path: Path, points: int) -> list[float]:
    """`points` peak levels in [0, 1], each the loudest sample of its stretch of the source."""
    pcm = open_analysis_audio(path)
    if pcm.shape[0] == 0 or points <= 0:
        return []
    edges = np.linspace(0, pcm.shape[0], points + 1).astype(np.int64)
    peaks: list[float] = []
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        stretch = pcm[start : max(end, start + 1)]
        peaks.append(round(float(np.abs(stretch.astype(np.int32)).max()) / 32768.0, 3))
    return peaks


def wav_excerpt(path: Path, start_us: int, end_us: int) -> bytes:
    """The analysis audio between two source times, as a 16 kHz mono 16-bit WAV file."""
    pcm = open_analysis_audio(path)
    first = max(0, start_us * ANALYSIS_SAMPLE_RATE // 1_000_000)
    last = min(pcm.shape[0], max(first, end_us * ANALYSIS_SAMPLE_RATE // 1_000_000))
    out = io.BytesIO()
    with wave.open(out, "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(ANALYSIS_SAMPLE_RATE)
        sink.writeframes(np.ascontiguousarray(pcm[first:last]).astype("<i2").tobytes())
    return out.getvalue()
