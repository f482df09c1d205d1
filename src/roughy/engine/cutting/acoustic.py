"""Rules that need the audio as well as the words."""

from __future__ import annotations

from collections.abc import Sequence

from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.rules import Mark, Marks
from roughy.engine.transcribe.guards import normalize_token
from roughy.engine.types import RemovalKind, Span, Word

_ISOLATION_US = 150_000
_MAX_ISLAND_US = 600_000
_MAX_LETTERS = 3


def mark_doubtful_islands(
    words: Sequence[Word], marks: Marks, speech: Sequence[Span], options: CutOptions
) -> None:
    """A short voiced island, set apart by pauses, holding one low-confidence word is a filler.

    ASR systems often write a hesitation sound as a short word ("to", "a", "did") with low
    probability; the isolation and brevity of the sound in the audio is the second witness.
    """
    if options.doubtful_word_probability <= 0:
        return
    centres = sorted(((w.start_us + w.end_us) // 2, i) for i, w in enumerate(words))
    cursor = 0
    for n, island in enumerate(speech):
        inside: list[int] = []
        while cursor < len(centres) and centres[cursor][0] < island.end_us:
            if centres[cursor][0] >= island.start_us:
                inside.append(centres[cursor][1])
            cursor += 1
        if len(inside) != 1 or not _isolated(speech, n):
            continue
        index = inside[0]
        word = words[index]
        short = len(normalize_token(word.text)) <= _MAX_LETTERS
        if marks[index] is None and short and word.probability < options.doubtful_word_probability:
            marks[index] = Mark(
                RemovalKind.FILLER,
                f"short isolated sound transcribed as “{word.text}” with low confidence",
                0.5,
            )


def _isolated(speech: Sequence[Span], n: int) -> bool:
    island = speech[n]
    if island.duration_us > _MAX_ISLAND_US:
        return False
    before = speech[n - 1].end_us if n > 0 else -(1 << 62)
    after = speech[n + 1].start_us if n + 1 < len(speech) else 1 << 62
    return island.start_us - before >= _ISOLATION_US and after - island.end_us >= _ISOLATION_US
