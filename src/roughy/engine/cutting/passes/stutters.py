"""Stutters: a word (or the start of one) said twice in a row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from roughy.engine.audio import FRAME_US
from roughy.engine.cutting.acoustic import said_again_at
from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.cutting.text import (
    clause_break,
    ends_clause,
    ends_sentence,
    glued_to_sentence_before,
    near_partner,
    syllables,
)
from roughy.engine.tokens import normalize_token
from roughy.engine.types import RemovalKind, Span, Word

STUTTERS = "stutters"
HEARD_STUTTERS = "heard_stutters"

STUTTER_CONFIDENCE = 0.85
"""Identical adjacent words outside the language's deliberate doubles."""
GLUED_CONFIDENCE = 0.5
"""A one-word repeat stamped right against the end of the sentence before: on the tuning corpus
such stamps held the end of that sentence's last word (the ASR stamps early), so cutting there
clips it. Only suggested."""
MISHEARD_COPY_PROBABILITY = 0.2
"""A second copy the ASR is this unsure of is most likely another word misheard as the first
said again: on the tuning corpus (seeds 7, 11, 13, 17, 19) the second copy of each of the 2
wrong stutter proposals had a probability of 0.14 or less, that of each of the 21 right ones
0.40 or more."""
MISHEARD_COPY_CONFIDENCE = 0.3
"""Such a repeat is only suggested (0 of the 2 on the tuning corpus were stutters)."""
ONSET_SIMILARITY = 0.85
"""A one-syllable word set apart at an opening whose sound the next word opens with again
(cepstral DTW) is a stutter the ASR wrote as another short word: on the tuning corpus (seeds
7, 11, 13, 17, 19) the two such words at 0.88 and 0.92 were stutters, and the most alike real
word measured 0.79."""
HEARD_STUTTER_CONFIDENCE = 0.75
"""Two of two on the tuning corpus, with the sound and the structure agreeing: a small sample,
so below the text stutters'."""
_HEARD_MAX_US = 400_000
"""A stuttered fragment is one short syllable."""
_AUDIBLE_DB = 10.0
"""The fragment must stand this far above the recording's floor: silence sounds alike."""
STUTTER_MAX_US = 1_000_000
"""A stamp this long holds more than a stuttered word (the decoder lost its place)."""
STUTTER_MAX_GAP_US = 1_000_000
"""Two copies further apart than this are a repetition, not a stutter."""


MID_CLAUSE_CONFIDENCE = 0.4
"""A content word doubled inside a clause (neither at a sentence or clause start nor after a
pause): on the tuning corpus (seeds 7, 11) 0 of 4 such repeats were stutters (emphasis the ASR
misheard, "very, very" written as another word twice, or one word written twice), while 11 of
13 repeats opening a clause were. Only suggested."""


def _misspelt_alike(a: str, b: str) -> bool:
    """Two copies the ASR spelt a little differently (a letter dropped or changed); a stutter says a
    word's start again, so both copies begin alike."""
    return a[:1] == b[:1] and near_partner(a, {b}) is not None


def _cut_off_marked(words: Sequence[Word], a: int, b: int) -> bool:
    """The ASR marks the break between the copies with a dash ("th- the", "the - the",
    "the -the"): it heard a word cut off and started again, which a deliberate double is not."""
    texts = [w.text.strip() for w in words[a : b + 1]]
    return texts[0].endswith("-") or texts[-1].startswith("-") or any("-" in t for t in texts[1:-1])


def _opening_run_on(ctx: Context, token: str, a: int, b: int) -> bool:
    """A word doubled on purpose only inside a clause or standing alone, doubled here at an
    opening with its second copy running on into the clause ("There, there were ...")."""
    words = ctx.words
    if token not in ctx.lexicon.inner_doubles or not _opens_stretch(words, a):
        return False
    return b + 1 < len(words) and not clause_break(words[b], words[b + 1])


def _opens_stretch(words: Sequence[Word], index: int) -> bool:
    return index == 0 or clause_break(words[index - 1], words[index])


def propose_stutters(ctx: Context, ledger: Ledger) -> None:
    """Drop the first of two identical adjacent words, and a cut-off start ("th-") of the word
    that follows, unless the language doubles the word on purpose ("very very", "die die") or
    the copies are stamped on top of each other."""
    words = ctx.words
    live = [
        i
        for i in range(len(words))
        if normalize_token(words[i].text) and not ledger.claimed(i, ctx.options.remove_at)
    ]
    for a, b in zip(live, live[1:], strict=False):
        first, second = words[a], words[b]
        token = normalize_token(first.text)
        said_again = normalize_token(second.text)
        marked = _cut_off_marked(words, a, b)
        if token in ctx.lexicon.deliberate_doubles and not (
            marked or _opening_run_on(ctx, token, a, b)
        ):
            continue
        cut_off = marked and said_again.startswith(token)
        if token != said_again and not cut_off and not _misspelt_alike(token, said_again):
            continue
        if ends_sentence(first.text) or second.start_us - first.end_us > STUTTER_MAX_GAP_US:
            continue
        if second.start_us < first.end_us:
            # Overlapping stamps: the ASR does not know where one copy ends, so a cut
            # placed between them would land inside speech.
            continue
        if first.end_us - first.start_us > STUTTER_MAX_US:
            continue
        glued = glued_to_sentence_before(words, a)
        inside = token not in ctx.lexicon.stopwords and not _opens_stretch(words, a)
        misheard = second.probability < MISHEARD_COPY_PROBABILITY
        confidence = STUTTER_CONFIDENCE
        if misheard:
            confidence = MISHEARD_COPY_CONFIDENCE
        elif glued:
            confidence = GLUED_CONFIDENCE
        elif inside:
            confidence = MID_CLAUSE_CONFIDENCE
        mark = Mark(
            RemovalKind.STUTTER,
            f"repeated word “{token}”"
            + (" (stamped against the sentence before)" if glued else "")
            + (" inside a clause" if inside and not glued else "")
            + (" (the second copy barely heard)" if misheard else ""),
            confidence,
            STUTTERS,
            echo=(b,),
        )
        ledger.propose(range(a, b), mark)


def propose_heard_stutters(ctx: Context, ledger: Ledger) -> None:
    """A one-syllable word opening a stretch, set apart by a comma, whose sound the next word
    opens with again: the ASR wrote the stuttered fragment as another word."""
    words = ctx.words
    live = [i for i in range(len(words)) if not ledger.claimed(i, ctx.options.remove_at)]
    for a, b in zip(live, live[1:], strict=False):
        first, second = words[a], words[b]
        token, said_again = normalize_token(first.text), normalize_token(second.text)
        if not token or not said_again or token == said_again or syllables(token) > 1:
            continue
        if not (_opens_stretch(words, a) and ends_clause(first.text)) or ends_sentence(first.text):
            continue
        length = first.end_us - first.start_us
        if not 0 < length <= _HEARD_MAX_US or not _audible(ctx, first):
            continue
        fragment = Span(first.start_us, first.end_us)
        if said_again_at(ctx.signal, fragment, second.start_us) < ONSET_SIMILARITY:
            continue
        said = second.text.strip(",.")
        reason = f"stutter heard in the audio: “{first.text.strip(',')}” is “{said}” begun twice"
        mark = Mark(
            RemovalKind.STUTTER,
            reason,
            HEARD_STUTTER_CONFIDENCE,
            HEARD_STUTTERS,
            "acoustic",
            echo=(b,),
        )
        ledger.propose([a], mark)


def _audible(ctx: Context, word: Word) -> bool:
    level = ctx.signal.energy_db[word.start_us // FRAME_US : max(1, word.end_us // FRAME_US)]
    return level.size > 0 and float(np.max(level)) >= ctx.signal.floor_db + _AUDIBLE_DB
