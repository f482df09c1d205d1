"""Fillers: hesitation sounds the transcript names, set-apart filler words, and held sounds."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from roughy.engine.cutting.acoustic import filler_follows
from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.cutting.text import clause_break, ends_clause, ends_sentence
from roughy.engine.languages import find_phrases
from roughy.engine.tokens import normalize_token
from roughy.engine.transcribe.guards import WordsByCentre
from roughy.engine.types import RemovalKind, Span, Word

FILLERS = "fillers"
HELD_HESITATIONS = "held_hesitations"

FILLER_CONFIDENCE = 0.95
"""A hesitation token of the language's lexicon: on the tuning corpus nearly every one was a
hesitation the speaker made (the few misses are timing, handled by the join vetoes)."""
SET_APART_CONFIDENCE = 0.7
"""A word that is a filler only when set apart ("este", "o sea", "ben"): often a real word, so
it is only suggested unless the resolver's threshold is lowered."""
HELD_CONFIDENCE = 0.8
"""Doubtful words on a held, steady sound between pauses: all of the tuning corpus's such
proposals were hesitations (3 of 3), but the sample is small, so below the fillers'."""
HELD_WORD_CONFIDENCE = 0.75
"""A word no clause ends with ("and", "the"), written with a comma on a held, steady sound
between pauses, that the ASR is sure of: on the tuning corpus (seeds 7, 11, 13, 17, 19) the
held islands carrying one confident short word were all hesitations the decoder wrote as a word
(3 of 3), and no real word set apart by pauses sounded held. Below `HELD_CONFIDENCE`: the ASR's
confidence speaks against it."""
_HELD_LETTERS = 4
"""Words this short are the ones a decoder writes over a hesitation ("a", "to", "the")."""
_HELD_MAX_WORDS = 2
"""One held sound carries at most two transcribed words ("uh, um"); more is speech."""


def propose_fillers(ctx: Context, ledger: Ledger) -> None:
    words, lexicon = ctx.words, ctx.lexicon
    for i, word in enumerate(words):
        if lexicon.is_hesitation(word.text):
            text = word.text.strip(",.")
            ledger.propose(
                [i], Mark(RemovalKind.FILLER, f"filler word “{text}”", FILLER_CONFIDENCE, FILLERS)
            )
    if not lexicon.set_apart_fillers:
        return
    tokens = [normalize_token(w.text) for w in words]
    for start, size in find_phrases(tokens, lexicon.set_apart_fillers):
        if _set_apart(words, start, start + size):
            text = " ".join(w.text.strip(",.") for w in words[start : start + size])
            mark = Mark(
                RemovalKind.FILLER, f"filler “{text}” set apart", SET_APART_CONFIDENCE, FILLERS
            )
            ledger.propose(range(start, start + size), mark)


def _set_apart(words: Sequence[Word], first: int, last: int) -> bool:
    before = first == 0 or clause_break(words[first - 1], words[first])
    after = last == len(words) or clause_break(words[last - 1], words[last])
    return before and after


def propose_held_hesitations(ctx: Context, ledger: Ledger) -> None:
    """Words on a held (hesitation-like) island are a misheard filler unless the ASR is sure.

    The audio is the first witness (a steady voiced sound between pauses); the transcript is the
    second: every word on the island is a filler token or a doubtful word (short and below
    `held_word_probability`, or any length below `doubtful_word_probability`). A confident word
    ("I", "a", "Oh" said clearly) keeps the island.
    """
    options, words, held = ctx.options, ctx.words, ctx.held
    if options.held_word_probability <= 0 or not held:
        return
    by_centre = WordsByCentre(words)
    held_starts = [h.start_us for h in held]
    for island in held:
        inside = by_centre.inside(island)
        if not inside or len(inside) > _HELD_MAX_WORDS:
            continue
        sure = options.remove_at
        if any(
            m.kind != RemovalKind.FILLER and m.confidence >= sure
            for i in inside
            for m in ledger.claims(i)
        ):
            continue
        if all(_doubtful(ctx, words[i]) for i in inside):
            confidence = HELD_CONFIDENCE
        elif len(inside) == 1 and _dangling_lead_in(ctx, words[inside[0]]):
            confidence = HELD_WORD_CONFIDENCE
        else:
            continue
        if _hesitation_follows(ctx, max(inside), island, held_starts):
            continue
        text = " ".join(words[i].text.strip(",.") for i in inside)
        reason = f"held hesitation sound between pauses, transcribed as “{text}”"
        mark = Mark(RemovalKind.FILLER, reason, confidence, HELD_HESITATIONS, "acoustic")
        ledger.propose(inside, mark)


def _hesitation_follows(ctx: Context, index: int, island: Span, starts: list[int]) -> bool:
    """A filler follows the word and has a hesitation island of its own: the word is what was
    said before the hesitation, not a second hesitation. (A filler written on top of later
    words is just the ASR hearing the same hesitation twice.)"""
    if not filler_follows(ctx.words, index):
        return False
    filler = ctx.words[index + 1]
    centre = (filler.start_us + filler.end_us) // 2
    at = bisect_right(starts, centre) - 1
    return at >= 0 and ctx.held[at] != island and centre < ctx.held[at].end_us


def _dangling_lead_in(ctx: Context, word: Word) -> bool:
    """A word no clause ends with, yet written with a comma as if it stood alone ("And, ..."):
    the decoder's word over a sound. Words the language doubles on purpose are interjections
    that do stand alone ("No, ...", "So, ...")."""
    text = word.text.strip()
    token = normalize_token(text)
    lexicon = ctx.lexicon
    alone = ends_clause(text) and not ends_sentence(text)
    return alone and token in lexicon.dangling and token not in lexicon.deliberate_doubles


def _doubtful(ctx: Context, word: Word) -> bool:
    options = ctx.options
    if ctx.lexicon.is_hesitation(word.text):
        return True
    token = normalize_token(word.text)
    if word.probability < options.doubtful_word_probability:
        return True
    return len(token) <= _HELD_LETTERS and word.probability < options.held_word_probability
