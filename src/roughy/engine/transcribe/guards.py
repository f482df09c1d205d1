"""Post-processing that makes raw ASR words trustworthy enough to cut on.

Whisper stretches words across pauses, reports fillers late and, now and then, loops on a phrase.
Each guard here is a pure function over words and voice-activity spans.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

from roughy.engine.languages import all_hesitations
from roughy.engine.tokens import normalize_token
from roughy.engine.types import Span, Word

FILLER_WORDS = all_hesitations()
"""Hesitation sounds of every language Roughy knows (see `roughy.engine.languages`)."""
_MIN_WORD_US = 40_000
_SILENCE_SLACK_US = 250_000


class WordsByCentre:
    """Word indices ordered by the words' centre times: which words were said inside a span."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.order = sorted(range(len(words)), key=lambda i: words[i].start_us + words[i].end_us)
        self.keys = [(words[i].start_us + words[i].end_us) // 2 for i in self.order]

    def inside(self, span: Span) -> list[int]:
        lo, hi = bisect_left(self.keys, span.start_us), bisect_left(self.keys, span.end_us)
        return self.order[lo:hi]


def is_filler(text: str) -> bool:
    return normalize_token(text) in FILLER_WORDS


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    if not raw:
        return 0.0
    return len(raw) / len(zlib.compress(raw))


def has_repetition_loop(tokens: Sequence[str], *, max_n: int = 6, min_repeats: int = 4) -> bool:
    """True when some n-gram (n <= max_n) repeats back-to-back at least `min_repeats` times."""
    return _find_loop(tokens, max_n, min_repeats) is not None


def _find_loop(tokens: Sequence[str], max_n: int, min_repeats: int) -> tuple[int, int, int] | None:
    for n in range(1, max_n + 1):
        for start in range(0, len(tokens) - n * min_repeats + 1):
            gram = tokens[start : start + n]
            count = 1
            pos = start + n
            while tokens[pos : pos + n] == gram:
                count += 1
                pos += n
            if count >= min_repeats:
                return start, n, count
    return None


def collapse_loops(words: Sequence[Word], *, max_n: int = 6, min_repeats: int = 4) -> list[Word]:
    """Keep one copy of any n-gram repeated back-to-back `min_repeats`+ times (a decoding loop)."""
    out = list(words)
    while True:
        tokens = [normalize_token(w.text) for w in out]
        loop = _find_loop(tokens, max_n, min_repeats)
        if loop is None:
            return out
        start, n, count = loop
        del out[start + n : start + n * count]


MAX_WORD_US = 2_000_000
"""No spoken word lasts this long: a word stamped over more is a decoder that lost its place."""


def is_stretched(word: Word) -> bool:
    return word.end_us - word.start_us > MAX_WORD_US


def is_hallucinated(text: str, *, max_compression: float = 2.4) -> bool:
    tokens = [normalize_token(t) for t in text.split()]
    return compression_ratio(text) > max_compression or has_repetition_loop(tokens)


def clamp_to_speech(words: Sequence[Word], speech: Sequence[Span]) -> list[Word]:
    """Shrink each word to the voiced audio it overlaps, so a word never spans a pause.

    Words overlapping no speech at all are left as they are (the VAD may have missed them).
    """
    starts = [s.start_us for s in speech]
    return [_clamp_word(w, speech, starts) for w in words]


def drop_words_in_silence(
    words: Sequence[Word], speech: Sequence[Span], loud: Sequence[Span]
) -> list[Word]:
    """Drop words under which neither the voice detector (`speech`) nor the level (`loud`,
    stretches above the noise floor) finds any sound: Whisper writes text into silence
    ("Thank you.", the last sentence again), and such words must not keep the silence."""
    speech_starts = [s.start_us for s in speech]
    loud_starts = [s.start_us for s in loud]
    out: list[Word] = []
    for word in words:
        # Stamps can be off by a little: a word just beside a sound is not in silence.
        reach = Word(word.text, word.start_us - _SILENCE_SLACK_US, word.end_us + _SILENCE_SLACK_US)
        if _overlapping(reach, speech, speech_starts) or _overlapping(reach, loud, loud_starts):
            out.append(word)
    return out


def _overlapping(word: Word, speech: Sequence[Span], starts: list[int]) -> list[Span]:
    index = max(0, bisect_left(starts, word.start_us) - 1)
    found: list[Span] = []
    while index < len(speech) and speech[index].start_us < word.end_us:
        if speech[index].end_us > word.start_us:
            found.append(speech[index])
        index += 1
    return found


def _clamp_word(word: Word, speech: Sequence[Span], starts: list[int]) -> Word:
    spans = _overlapping(word, speech, starts)
    while len(spans) > 1 and _share(word, spans[-1]) < 0.5:
        spans.pop()
    while len(spans) > 1 and _share(word, spans[0]) < 0.5:
        spans.pop(0)
    if not spans:
        return word
    start = max(word.start_us, spans[0].start_us)
    end = min(word.end_us, spans[-1].end_us)
    if end - start < _MIN_WORD_US:
        return word
    return Word(word.text, start, end, word.probability)


def _share(word: Word, island: Span) -> float:
    """Share of a voiced island inside the word (islands mostly outside belong elsewhere)."""
    inside = min(word.end_us, island.end_us) - max(word.start_us, island.start_us)
    return inside / max(1, island.duration_us)


def refine_fillers(
    words: Sequence[Word], speech: Sequence[Span], held: Sequence[Span] = ()
) -> list[Word]:
    """Move a late filler onto the wordless voiced island where it was actually said.

    Whisper tends to report a filler up to ~0.8 s late, often on top of the next word. The
    filler's island is the last island without another word that starts after the previous word
    ended, no earlier than 1 s before the reported start. When some of those islands sound like
    a hesitation (`held`), the longest of them wins (a hesitation is a sustained sound; a word's
    steady first vowel is short): a filler stamped on a real word it swallowed goes back to the
    hesitation, and that word is left for the cutter to keep.
    """
    out = list(words)
    centres = sorted((w.start_us + w.end_us) // 2 for w in out)
    starts = [s.start_us for s in speech]
    hesitations = {(h.start_us, h.end_us) for h in held}
    for i, word in enumerate(out):
        if not is_filler(word.text):
            continue
        previous_end = out[i - 1].end_us if i > 0 else 0
        lower = max(previous_end - 20_000, word.start_us - 1_000_000)
        own = (word.start_us + word.end_us) // 2
        first = bisect_left(starts, lower)
        last = bisect_left(starts, word.end_us)
        candidates = [s for s in speech[first:last] if not _holds_other(s, centres, own)]
        if not candidates:
            continue
        sounding = [s for s in candidates if (s.start_us, s.end_us) in hesitations]
        island = max(sounding, key=lambda s: s.duration_us) if sounding else candidates[-1]
        end = max(island.end_us, island.start_us + _MIN_WORD_US)
        out[i] = Word(word.text, island.start_us, end, word.probability)
    return out


def _holds_other(island: Span, centres: list[int], own: int) -> bool:
    first = bisect_left(centres, island.start_us)
    return any(c != own for c in centres[first : bisect_left(centres, island.end_us)])


def uncovered_speech(words: Sequence[Word], speech: Sequence[Span], *, min_us: int) -> list[Span]:
    """Voiced stretches (gaps under 1 s bridged) of at least `min_us` that no word touches."""
    merged: list[Span] = []
    for span in speech:
        if merged and span.start_us - merged[-1].end_us < 1_000_000:
            merged[-1] = Span(merged[-1].start_us, span.end_us)
        else:
            merged.append(span)
    holes: list[Span] = []
    ordered = sorted(words, key=lambda w: w.start_us)
    reach = list(accumulate((w.end_us for w in ordered), max))
    for span in merged:
        cursor = span.start_us
        index = bisect_left(reach, cursor + 1)
        while index < len(ordered) and ordered[index].start_us < span.end_us:
            word = ordered[index]
            index += 1
            if word.end_us <= cursor:
                continue
            if word.start_us - cursor >= min_us:
                holes.append(Span(cursor, word.start_us))
            cursor = max(cursor, word.end_us)
        if span.end_us - cursor >= min_us:
            holes.append(Span(cursor, span.end_us))
    return holes
