"""Rules that need the audio as well as the words."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from roughy.engine.audio import ANALYSIS_SAMPLE_RATE
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.rules import DELIBERATE_DOUBLES, Mark, Marks
from roughy.engine.cutting.signal import AnalysisSignal
from roughy.engine.cutting.voicing import describe, similarity
from roughy.engine.transcribe.guards import is_filler, normalize_token
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


_HELD_MIN_US = 150_000
_HELD_MAX_US = 1_200_000
_HELD_GAP_US = 100_000
_HELD_LETTERS = 4
_HELD_MAX_WORDS = 2


def held_islands(signal: AnalysisSignal) -> list[Span]:
    """Voiced islands that sound like a hesitation, whatever the transcript says.

    The island must be set apart by pauses on both sides, last 0.15–1.2 s, and be held: voiced
    throughout, spectrally steady, a single energy nucleus (see `voicing.Descriptor.held`).
    """
    speech = signal.speech
    out: list[Span] = []
    for n, island in enumerate(speech):
        if not _HELD_MIN_US <= island.duration_us <= _HELD_MAX_US:
            continue
        before = speech[n - 1].end_us if n > 0 else -(1 << 62)
        after = speech[n + 1].start_us if n + 1 < len(speech) else 1 << 62
        if island.start_us - before < _HELD_GAP_US or after - island.end_us < _HELD_GAP_US:
            continue
        first = island.start_us * ANALYSIS_SAMPLE_RATE // 1_000_000
        last = island.end_us * ANALYSIS_SAMPLE_RATE // 1_000_000
        descriptor = describe(signal.samples[first:last])
        if descriptor is not None and descriptor.held:
            out.append(island)
    return out


def mark_held_islands(
    words: Sequence[Word], marks: Marks, held: Sequence[Span], options: CutOptions
) -> None:
    """Words on a held (hesitation-like) island are a misheard filler unless the ASR is sure.

    The audio is the first witness (a steady voiced sound between pauses); the transcript is the
    second: every word on the island is a filler token or a doubtful word (short and below
    `held_word_probability`, or any length below `doubtful_word_probability`). A confident word
    ("I", "a", "Oh" said clearly) keeps the island.
    """
    if options.held_word_probability <= 0 or not held:
        return
    centres = sorted(((w.start_us + w.end_us) // 2, i) for i, w in enumerate(words))
    keys = [c for c, _ in centres]
    for island in held:
        inside = [
            i
            for _, i in centres[
                bisect_left(keys, island.start_us) : bisect_left(keys, island.end_us)
            ]
        ]
        if not inside or len(inside) > _HELD_MAX_WORDS:
            continue
        if any((m := marks[i]) is not None and m.kind != RemovalKind.FILLER for i in inside):
            continue
        if not all(_doubtful(words[i], options) for i in inside):
            continue
        text = " ".join(words[i].text.strip(",.") for i in inside)
        for i in inside:
            if marks[i] is None:
                marks[i] = Mark(
                    RemovalKind.FILLER,
                    f"held hesitation sound between pauses, transcribed as “{text}”",
                    0.6,
                )


def _doubtful(word: Word, options: CutOptions) -> bool:
    if is_filler(word.text):
        return True
    token = normalize_token(word.text)
    if word.probability < options.doubtful_word_probability:
        return True
    return len(token) <= _HELD_LETTERS and word.probability < options.held_word_probability


_LATE_REACH_US = 1_000_000


def repair_late_words(
    words: Sequence[Word], speech: Sequence[Span], held: Sequence[Span], below: float
) -> list[Word]:
    """Move words the ASR stamped late off a held (hesitation) island onto the island before it.

    Whisper reports words late, often on top of the filler that followed them ("The, uh,"
    stamped on the "uh"). When a held island carries leading non-filler words and the island
    just before it carries no word, is not itself a hesitation and starts after the previous
    word ended, those words were said there: they move, and the filler stays on its island.
    """
    out = list(words)
    if not held or not out:
        return out
    held_set = {(h.start_us, h.end_us) for h in held}
    centres = [(w.start_us + w.end_us) // 2 for w in out]
    order = sorted(range(len(out)), key=lambda i: centres[i])
    keys = [centres[i] for i in order]
    for n, island in enumerate(speech):
        if n == 0 or (island.start_us, island.end_us) not in held_set:
            continue
        previous = speech[n - 1]
        if (previous.start_us, previous.end_us) in held_set:
            continue
        if island.start_us - previous.end_us > _LATE_REACH_US:
            continue
        lo, hi = bisect_left(keys, previous.start_us), bisect_left(keys, previous.end_us)
        if hi > lo:
            continue
        inside = order[bisect_left(keys, island.start_us) : bisect_left(keys, island.end_us)]
        leading: list[int] = []
        for i in inside:
            if is_filler(out[i].text):
                break
            leading.append(i)
        if not leading or len(leading) == len(inside) and len(inside) > 1:
            continue
        if any(out[i].probability >= below for i in leading):
            continue
        before = min(leading) - 1
        if before >= 0 and out[before].end_us > previous.start_us:
            continue
        step = previous.duration_us // len(leading)
        for k, i in enumerate(sorted(leading)):
            start = previous.start_us + k * step
            out[i] = Word(out[i].text, start, start + step, out[i].probability)
    return out


_RESTART_MIN_US = 200_000
_RESTART_MAX_US = 1_500_000
_RESTART_GAP_US = 150_000
_RESTART_REACH_US = 1_500_000
_RESTART_HEAD = 1.1
"""Compare a fragment with this multiple of its own length at the start of what follows."""


def restarted_islands(signal: AnalysisSignal, similarity_floor: float) -> list[Span]:
    """Short islands the speaker says again, sound for sound, right after a pause.

    An abandoned start ("He painted the — He painted the kitchen") sounds like the opening of
    the next stretch even when the ASR wrote the words once or not at all. The fragment must be
    a whole island (0.2–1.5 s) followed by a pause, and the next island must start within 1.5 s
    and be clearly longer (the restart carries on where the fragment stopped).
    """
    if similarity_floor <= 0:
        return []
    speech = signal.speech
    rate = ANALYSIS_SAMPLE_RATE
    out: list[Span] = []
    for fragment, following in zip(speech, speech[1:], strict=False):
        gap = following.start_us - fragment.end_us
        if not _RESTART_MIN_US <= fragment.duration_us <= _RESTART_MAX_US:
            continue
        if not _RESTART_GAP_US <= gap <= _RESTART_REACH_US:
            continue
        if following.duration_us < 1.5 * fragment.duration_us:
            continue
        a = fragment.start_us * rate // 1_000_000
        b = fragment.end_us * rate // 1_000_000
        c = following.start_us * rate // 1_000_000
        d = c + int((b - a) * _RESTART_HEAD)
        if similarity(signal.samples[a:b], signal.samples[c:d]) >= similarity_floor:
            out.append(fragment)
    return out


def mark_restarted_islands(words: Sequence[Word], marks: Marks, restarted: Sequence[Span]) -> None:
    """Words on a restarted island are a false start, unless they are words people double on
    purpose ("no, no", "very, very")."""
    centres = sorted(((w.start_us + w.end_us) // 2, i) for i, w in enumerate(words))
    keys = [c for c, _ in centres]
    for island in restarted:
        inside = [
            i
            for _, i in centres[
                bisect_left(keys, island.start_us) : bisect_left(keys, island.end_us)
            ]
        ]
        tokens = [normalize_token(words[i].text) for i in inside]
        if tokens and all(t in DELIBERATE_DOUBLES or not t for t in tokens):
            continue
        text = " ".join(words[i].text.strip(",.") for i in inside) or "untranscribed"
        for i in inside:
            if marks[i] is None:
                marks[i] = Mark(
                    RemovalKind.FALSE_START,
                    f"false start “{text}” said again right after (heard in the audio)",
                    0.6,
                )
