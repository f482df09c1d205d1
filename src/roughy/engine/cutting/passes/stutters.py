"""Stutters: a word (or the start of one) said twice in a row."""

from __future__ import annotations

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.cutting.text import ends_sentence, glued_to_sentence_before, near_partner
from roughy.engine.tokens import normalize_token
from roughy.engine.types import RemovalKind

STUTTERS = "stutters"

STUTTER_CONFIDENCE = 0.85
"""Identical adjacent words outside the language's deliberate doubles."""
GLUED_CONFIDENCE = 0.5
"""A one-word repeat stamped right against the end of the sentence before: on the tuning corpus
such stamps held the end of that sentence's last word (the ASR stamps early), so cutting there
clips it. Only suggested."""
STUTTER_MAX_US = 1_000_000
"""A stamp this long holds more than a stuttered word (the decoder lost its place)."""
STUTTER_MAX_GAP_US = 1_000_000
"""Two copies further apart than this are a repetition, not a stutter."""


def _misspelt_alike(a: str, b: str) -> bool:
    """Two copies the ASR spelt a little differently ("Mariener, Mariene")."""
    return near_partner(a, {b}) is not None


def propose_stutters(ctx: Context, ledger: Ledger) -> None:
    """Drop the first of two identical adjacent words, and a cut-off start ("th-") of the word
    that follows, unless the language doubles the word on purpose ("very very", "die die") or
    the copies are stamped on top of each other."""
    words = ctx.words
    live = [i for i in range(len(words)) if not ledger.claimed(i)]
    for a, b in zip(live, live[1:], strict=False):
        first, second = words[a], words[b]
        token = normalize_token(first.text)
        if not token or token in ctx.lexicon.deliberate_doubles:
            continue
        said_again = normalize_token(second.text)
        cut_off = first.text.rstrip().endswith("-") and said_again.startswith(token)
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
        mark = Mark(
            RemovalKind.STUTTER,
            f"repeated word “{token}”"
            + (" (stamped against the sentence before)" if glued else ""),
            GLUED_CONFIDENCE if glued else STUTTER_CONFIDENCE,
            STUTTERS,
            echo=(b,),
        )
        ledger.propose([a], mark)
