"""Audio evidence about the words: hesitation and restart islands, and word timings the audio
corrects (late, early and stretched stamps)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from roughy.engine.cutting.signal import AnalysisSignal
from roughy.engine.cutting.text import syllables
from roughy.engine.tokens import normalize_token
from roughy.engine.transcribe.guards import WordsByCentre, is_filler
from roughy.engine.types import Span, Word
from roughy.engine.voicing import held_islands as find_held_islands
from roughy.engine.voicing import similarity


def held_islands(signal: AnalysisSignal) -> list[Span]:
    """Voiced islands that sound like a hesitation, whatever the transcript says (see
    `voicing.held_islands`)."""
    return find_held_islands(signal.samples, signal.speech)


def detach_from_held(
    words: Sequence[Word], speech: Sequence[Span], held: Sequence[Span]
) -> list[Word]:
    """Pull a word stretched across a pause off the hesitation island at its end.

    Whisper stretches a word over the pause and the "um" after it (or before it). When a word
    covers several voiced islands and those at one end sound like a hesitation while the rest do
    not, the word is said on the rest: it shrinks to them, and the hesitation is left wordless.
    """
    if not held:
        return list(words)
    hesitations = {(h.start_us, h.end_us) for h in held}
    starts = [s.start_us for s in speech]
    out: list[Word] = []
    for word in words:
        lo = max(0, bisect_left(starts, word.start_us) - 1)
        covered = [
            s for s in speech[lo : bisect_left(starts, word.end_us)] if s.end_us > word.start_us
        ]
        flags = [(s.start_us, s.end_us) in hesitations for s in covered]
        first, last = 0, len(covered)
        while first < last and flags[first]:
            first += 1
        while last > first and flags[last - 1]:
            last -= 1
        if first == last or any(flags[first:last]) or (first, last) == (0, len(covered)):
            out.append(word)
            continue
        start = max(word.start_us, covered[first].start_us)
        end = min(word.end_us, covered[last - 1].end_us)
        out.append(Word(word.text, start, end, word.probability))
    return out


def filler_follows(words: Sequence[Word], index: int) -> bool:
    """The transcript puts a filler right after this (non-filler) word: the word is what came
    before the hesitation, not the hesitation itself."""
    following = index + 1
    return (
        not is_filler(words[index].text)
        and following < len(words)
        and is_filler(words[following].text)
    )


_LATE_REACH_US = 1_000_000
"""Whisper stamps a word at most about 0.8 s late (tiny.en, measured on the first engine's
corpus): an island further back than this is not where a late word was said."""


def repair_late_words(
    words: Sequence[Word], speech: Sequence[Span], held: Sequence[Span], below: float
) -> list[Word]:
    """Move words the ASR stamped late off a held (hesitation) island onto the island before it.

    Whisper reports words late, often on top of the filler that followed them (a short word
    stamped on the "uh" after it). When a held island carries leading non-filler words and the
    island just before it carries no word and starts after the previous word ended, those words
    were said there: they move, and the filler stays on (or comes back to) its island.

    Without more evidence the words must be doubtful (below `below`) and the island before must
    not be a hesitation itself. The transcript is that evidence when it puts a filler right
    after the words: then the held island is the filler's, whatever the words' confidence and
    whatever the island before sounds like (a lone "The" is as steady a sound as an "uh"). So is
    a count that cannot fit: two or more words cannot have been said on one held syllable.
    """
    out = list(words)
    if not held or not out:
        return out
    held_set = {(h.start_us, h.end_us) for h in held}
    by_centre = WordsByCentre(out)
    for n, island in enumerate(speech):
        if n == 0 or (island.start_us, island.end_us) not in held_set:
            continue
        previous = speech[n - 1]
        if island.start_us - previous.end_us > _LATE_REACH_US:
            continue
        if by_centre.inside(previous):
            continue
        inside = by_centre.inside(island)
        leading: list[int] = []
        for i in inside:
            if is_filler(out[i].text):
                break
            leading.append(i)
        if not leading:
            continue
        if not filler_follows(out, max(leading)) and len(leading) < 2:
            if (previous.start_us, previous.end_us) in held_set:
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


_SYLLABLE_US = 120_000
"""The least time a syllable takes: an opening shorter than this per syllable holds no word."""


def repair_early_words(
    words: Sequence[Word], speech: Sequence[Span], held: Sequence[Span]
) -> list[Word]:
    """Move words stamped early onto a held island forward, to the wordless opening of the next.

    Whisper sometimes stamps the word after a hesitation on the hesitation itself, leaving the
    start of the next stretch without a word. When the words on a held island have more
    syllables than one steady sound can carry, and the next island (within 1 s) opens with
    enough time before its first word, they were said there.
    """
    out = list(words)
    if not held or not out:
        return out
    held_set = {(h.start_us, h.end_us) for h in held}
    by_centre = WordsByCentre(out)
    for island, following in zip(speech, speech[1:], strict=False):
        if (island.start_us, island.end_us) not in held_set:
            continue
        if following.start_us - island.end_us > _LATE_REACH_US:
            continue
        inside = by_centre.inside(island)
        if not inside or any(is_filler(out[i].text) for i in inside):
            continue
        count = sum(syllables(normalize_token(out[i].text)) for i in inside)
        if count < 2:
            continue
        after = by_centre.inside(following)
        first = min((out[i].start_us for i in after), default=following.end_us)
        opening = first - following.start_us
        if opening < count * _SYLLABLE_US:
            continue
        step = opening // len(inside)
        for k, i in enumerate(sorted(inside)):
            start = following.start_us + k * step
            out[i] = Word(out[i].text, start, start + step, out[i].probability)
    return out


_RESTART_MIN_US = 200_000
"""An abandoned fragment is at least one syllable long..."""
_RESTART_MAX_US = 1_500_000
"""...and at most a few words (longer restarts are left to the text passes)."""
_RESTART_GAP_US = 150_000
"""The speaker pauses before starting again (shorter gaps are inside a word)."""
_RESTART_REACH_US = 1_500_000
"""The restart follows within this pause, or it is a new thought, not a restart."""
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
    out: list[Span] = []
    for fragment, following in zip(speech, speech[1:], strict=False):
        gap = following.start_us - fragment.end_us
        if not _RESTART_MIN_US <= fragment.duration_us <= _RESTART_MAX_US:
            continue
        if not _RESTART_GAP_US <= gap <= _RESTART_REACH_US:
            continue
        if following.duration_us < 1.5 * fragment.duration_us:
            continue
        if said_again_at(signal, fragment, following.start_us) >= similarity_floor:
            out.append(fragment)
    return out


def said_again_at(signal: AnalysisSignal, fragment: Span, start_us: int) -> float:
    """How alike `fragment` sounds to the opening of what starts at `start_us` (0..1): the
    opening compared is a little longer than the fragment (`_RESTART_HEAD`)."""
    said = signal.between(fragment.start_us, fragment.end_us)
    head_end = start_us + int(fragment.duration_us * _RESTART_HEAD)
    return similarity(said, signal.between(start_us, head_end))
