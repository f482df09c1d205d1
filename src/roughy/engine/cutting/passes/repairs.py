"""False starts and self-repairs: an opening abandoned and started again."""

from __future__ import annotations

from collections.abc import Sequence

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.cutting.passes.retakes import CUE_SLACK, SUBSTITUTED_CONFIDENCE
from roughy.engine.cutting.passes.stutters import GLUED_CONFIDENCE
from roughy.engine.cutting.similarity import (
    common_prefix,
    retake_score,
    sounds_alike,
    substituted,
)
from roughy.engine.cutting.text import (
    Sentence,
    clause_break,
    comma_pause,
    ends_sentence,
    glued_to_sentence_before,
)
from roughy.engine.types import RemovalKind

FALSE_STARTS = "false_starts"
SELF_REPAIRS = "self_repairs"

FALSE_START_CONFIDENCE = 0.8
"""A sentence whose words the next one says again from its start."""
SELF_REPAIR_CONFIDENCE = 0.7
"""An opening said again within the same sentence."""
RESTART_PREFIX_SHARE = 0.6
"""An abandoned stretch is restarted when the next sentence opens with this share of it."""
CLAUSE_RETAKE_SCORE = 0.75
"""An abandoned last clause (3+ words) this alike to the next sentence's opening."""
ASIDE_CONFIDENCE = 0.75
"""Words set apart between a false start and its restart: a cue in all but its words (as an
aside between two takes, `retakes.ASIDE_CONFIDENCE`)."""
REPAIR_NGRAMS = (4, 3, 2)
"""Openings compared word for word; longer ones are compared as stretches (`_restarted_at`)."""


def propose_false_starts(ctx: Context, ledger: Ledger) -> None:
    """An abandoned start that the next sentence says again is dropped.

    The abandoned part is a whole short sentence, or the last clause of a sentence (ASR often
    runs the abandoned take into the previous sentence). The restart may be misheard slightly
    differently, so besides a shared token prefix, a close character-level match counts.
    """
    sentences = ctx.live(ledger)
    for current, following in zip(sentences, sentences[1:], strict=False):
        found = _false_start(ctx, current, following, ledger)
        if found is None:
            continue
        start, lead = found
        abandoned = " ".join(current.tokens[start:])
        first = current.indices[start]
        glued = len(current.tokens) - start == 1 and glued_to_sentence_before(ctx.words, first)
        mark = Mark(
            RemovalKind.FALSE_START,
            f"false start “{abandoned}” restarted",
            GLUED_CONFIDENCE if glued else FALSE_START_CONFIDENCE,
            FALSE_STARTS,
            echo=following.indices[lead:],
        )
        ledger.propose(current.indices[start:], mark)
        if lead:
            text = " ".join(following.tokens[:lead])
            aside = Mark(
                RemovalKind.RETAKE_CUE,
                f"aside “{text}” between a false start and its restart",
                ASIDE_CONFIDENCE,
                FALSE_STARTS,
            )
            ledger.propose(following.indices[:lead], aside)


def _false_start(
    ctx: Context, current: Sentence, following: Sentence, ledger: Ledger
) -> tuple[int, int] | None:
    """Where the abandoned part of `current` starts, and how many words open `following`
    before the restart proper (an aside, see `_aside_before_restart`)."""
    start = _abandoned_from(ctx, current, following.tokens, ledger)
    if start is not None:
        return start, _aside_before_restart(ctx, current.tokens[start:], following)
    for lead in _set_apart_leads(ctx, following):
        rest = following.tokens[lead:]
        start = _abandoned_from(ctx, current, rest, ledger)
        if start is not None and common_prefix(current.tokens[start:], rest) >= 2:
            return start, lead
    return None


def _set_apart_leads(ctx: Context, following: Sentence) -> list[int]:
    """Word counts (at most `CUE_SLACK`) after which `following` pauses as at a comma."""
    words, indices = ctx.words, following.indices
    return [
        lead
        for lead in range(1, min(CUE_SLACK, len(indices) - 1) + 1)
        if comma_pause(words[indices[lead - 1]], words[indices[lead]])
    ]


def _aside_before_restart(ctx: Context, abandoned: Sequence[str], following: Sentence) -> int:
    """How many words open the next sentence before the restart proper: a word or two set
    apart by a pause (a cue's last word, say, that the ASR ran into the restart), after which
    the next sentence says the abandoned words again from their first, further than it does
    from its own first word."""
    tokens = following.tokens
    said_at_once = common_prefix(abandoned, tokens)
    for lead in _set_apart_leads(ctx, following):
        if len(tokens) - lead <= len(abandoned):
            break
        prefix = common_prefix(abandoned, tokens[lead:])
        if prefix >= 2 and prefix > said_at_once:
            return lead
    return 0


def _abandoned_from(
    ctx: Context, current: Sentence, following: Sequence[str], ledger: Ledger
) -> int | None:
    """Earliest clause start from which the rest of `current` is restarted by `following`."""
    for start in range(len(current.tokens)):
        tail = current.tokens[start:]
        if len(tail) > ctx.options.false_start_max_words or len(tail) >= len(following):
            continue
        if start > 0 and (len(tail) < 2 or not _opens_clause(ctx, current, start, ledger)):
            continue
        if _restarted(tail, following):
            return start
        if (
            start > 0
            and len(tail) >= 3
            and retake_score(tail, following[: len(tail)], ctx.lexicon) >= CLAUSE_RETAKE_SCORE
        ):
            return start
    return None


def _restarted(a: Sequence[str], b: Sequence[str]) -> bool:
    prefix = common_prefix(a, b)
    if prefix >= 2 and prefix >= RESTART_PREFIX_SHARE * len(a):
        return True
    if len(a) == 1:
        return prefix == 1 and len(b) >= 3
    return sounds_alike(a, b)


def _opens_clause(ctx: Context, sentence: Sentence, pos: int, ledger: Ledger) -> bool:
    if pos == 0:
        return True
    words = ctx.words
    index = sentence.indices[pos]
    previous = sentence.indices[pos - 1]
    if clause_break(words[previous], words[index]):
        return True
    return any(ledger.claimed(k, ctx.options.remove_at) for k in range(previous + 1, index))


def propose_self_repairs(ctx: Context, ledger: Ledger) -> None:
    """A clause-initial n-gram (n >= 2) said again within a few words: drop the abandoned part.

    Guards keep legitimate repetition: the first occurrence must open a clause (sentence start,
    after a comma or a pause), the abandoned stretch must not cross a sentence end, and the
    repeat must come within `repair_window_words` words.
    """
    for sentence in ctx.live(ledger):
        tokens = sentence.tokens
        pos = 0
        while pos < len(tokens):
            cut = _repair_at(ctx, sentence, pos, ledger)
            if cut is None:
                pos += 1
                continue
            phrase = " ".join(tokens[pos:cut])
            swapped = substituted(tokens[pos:cut], tokens[cut:], ctx.lexicon)
            mark = Mark(
                RemovalKind.FALSE_START,
                f"self-repair: “{phrase}” said again" + (", with other words" if swapped else ""),
                SUBSTITUTED_CONFIDENCE if swapped else SELF_REPAIR_CONFIDENCE,
                SELF_REPAIRS,
                echo=sentence.indices[cut:],
            )
            ledger.propose(sentence.indices[pos:cut], mark)
            pos = cut


def _repair_at(ctx: Context, sentence: Sentence, pos: int, ledger: Ledger) -> int | None:
    tokens = sentence.tokens
    if not _opens_clause(ctx, sentence, pos, ledger):
        return None
    for n in REPAIR_NGRAMS:
        gram = tokens[pos : pos + n]
        if len(gram) < n:
            continue
        for gap in range(0, ctx.options.repair_window_words + 1):
            again = pos + n + gap
            if tuple(tokens[again : again + n]) == tuple(gram) and again + n < len(tokens):
                between = sentence.indices[pos:again]
                if not any(ends_sentence(ctx.words[i].text) for i in between[n - 1 :]):
                    return again
    return _restarted_at(ctx, sentence, pos)


def _restarted_at(ctx: Context, sentence: Sentence, pos: int) -> int | None:
    """A longer stretch from `pos` said again right after itself and carried on past where it
    stopped (the transcript ran an abandoned take into its retake without a sentence end)."""
    tokens = sentence.tokens
    longest = min(ctx.options.false_start_max_words, (len(tokens) - pos - 1) // 2)
    for size in range(longest, max(REPAIR_NGRAMS), -1):
        again = pos + size
        if _restarted(tokens[pos:again], tokens[again:]) and len(tokens) - again > size:
            return again
    return None
