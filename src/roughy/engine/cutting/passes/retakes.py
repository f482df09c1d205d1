"""Retakes: a take abandoned and said again, with a cue between the takes or without one."""

from __future__ import annotations

from collections.abc import Sequence

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.cues import CUE_MAX_TOKENS, Cue, find_cue, hints_a_cue
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.cutting.similarity import (
    best_retake_score,
    common_prefix,
    completed_by,
    restarts,
    substituted,
)
from roughy.engine.cutting.text import Sentence, similar
from roughy.engine.types import RemovalKind

CUED_RETAKES = "cued_retakes"
UNCUED_RETAKES = "uncued_retakes"

CUE_CONFIDENCE = 0.9
"""A cue between two takes that match."""
LONE_CUE_CONFIDENCE = 0.75
"""A strong cue that is a sentence of its own, with no take after it that matches the one
before: most likely still a cue, but nothing confirms it."""
TAKE_CONFIDENCE = 0.85
"""The take before a cue, said again after it."""
BLIND_TAKE_CONFIDENCE = 0.55
"""The sentence before a lone cue, with nothing to compare it with."""
MAX_BLIND_TAKE_TOKENS = 20
"""Nothing to compare with and no sentence end in sight (an unpunctuated transcript): a take
this long cannot be told apart from what came before it, so only the cue goes."""
TAKE_TO_CUE_US = 5_000_000
"""A cue follows the take it abandons after at most a long pause (the longest pause of the
tuning corpus was 4 s); what was said earlier is not that take."""
MIN_TAKE_TOKENS = 3
"""A take shorter than this is a fragment of a longer one the ASR broke in two."""
CUE_SLACK = 2
"""Words before or after a cue in its own short sentence that belong to it ("okay", "so")."""
ASIDE_MAX_TOKENS = 8
"""An aside between two matching takes this short, with a cue role word, is a cue. On the
tuning clips of seeds 7-23 the ASR wrote such asides in up to 7 tokens (a cue whose repetition
word it misheard keeps only its act words); 6 missed those, 8 and 10 gave the same results, and
none of them cut speech or a repetition on any seed."""
ASIDE_CONFIDENCE = 0.75
"""A short aside between two takes of one sentence: a cue in all but its words."""
SUBSTITUTED_CONFIDENCE = 0.5
"""A take with a content word the next sentence does not say again (nor a near spelling of
it): a parallel sentence ("... can get slippery ... / ... can get patched ...") or a
correction. On the tuning corpus (seeds 7, 11) 0.5 of 3 such proposals were retakes, against
all 9 without a substitution: only suggested. The same holds for a take before a cue that does
not name the repetition (seeds 7, 11, 13: the one such take was speech garbled into "wait ...")
and for a self-repair (0 of the 1 standing on seeds 7, 11, 13, an anaphora list)."""
MIN_SHARED_OPENING = 2
"""Around a cue that only names the repetition ("one more time", a lone "over"), the take said
again opens with at least this many of the same words, unless all its content words come back:
one shared article ("the bridge over the river") is no retake."""
_COMPLETED_SCORE = 0.8
"""The score of a take that the sentence after a short aside repeats and carries on."""


def propose_cued_retakes(ctx: Context, ledger: Ledger) -> None:
    """A cue ("sorry, let me say that again", in any wording) drops itself and the take before
    it, when what follows says that take again; a strong cue standing alone drops itself."""
    sentences = ctx.live(ledger)
    for n, sentence in enumerate(sentences):
        cue = find_cue(sentence.tokens, ctx.lexicon)
        if cue is None:
            continue
        _drop_cue_and_take(ctx, sentences, n, cue, ledger)


def _drop_cue_and_take(
    ctx: Context,
    sentences: Sequence[Sentence],
    n: int,
    cue: Cue,
    ledger: Ledger,
) -> None:
    cue_start, cue_end, strong = cue.start, cue.end, cue.strong
    sentence = sentences[n]
    tokens = sentence.tokens
    echo, following = _following(sentences, n, sentence, cue_end)
    head = list(tokens[:cue_start])
    start = _restarted_suffix(head, following) if head else None
    if start is not None:
        take_indices, take_tokens = list(sentence.indices[:cue_start]), head
    else:
        if _whole_sentence_is_cue(ctx, sentences, n, cue):
            # A short sentence around a cue is the cue ("Okay, let me say that again, sorry").
            cue_start, cue_end, head = 0, len(tokens), []
            echo, following = _following(sentences, n, sentence, cue_end)
        if head:
            take_indices, take_tokens = list(sentence.indices[:cue_start]), head
        else:
            take_indices, take_tokens = _take_before(sentences, n)
            if _too_far_back(ctx, sentence, take_indices):
                take_indices, take_tokens = [], []
            start = _restarted_suffix(take_tokens, following) if take_tokens else None
    isolated = not head and cue_end == len(tokens)
    if start is None and not (strong and isolated):
        return
    cue_indices = sentence.indices[cue_start:cue_end]
    cue_text = " ".join(tokens[cue_start:cue_end])
    cue_confidence = CUE_CONFIDENCE if start is not None else LONE_CUE_CONFIDENCE
    loose = (
        start is not None
        and not (cue.again and strong)
        and substituted(take_tokens[start:], following, ctx.lexicon)
        and (not cue.again or common_prefix(take_tokens[start:], following) < MIN_SHARED_OPENING)
    )
    if loose:
        # Only a slip ("wait", "sorry") or a lone role word ("over" in "the bridge over the
        # river") between two stretches that are not the same words.
        cue_confidence = SUBSTITUTED_CONFIDENCE
    ledger.propose(
        cue_indices,
        Mark(RemovalKind.RETAKE_CUE, f"retake cue “{cue_text}”", cue_confidence, CUED_RETAKES),
    )
    if start is not None:
        take_indices = take_indices[start:]
        confidence = SUBSTITUTED_CONFIDENCE if loose else TAKE_CONFIDENCE
    elif len(take_tokens) > MAX_BLIND_TAKE_TOKENS:
        take_indices = []
        confidence = BLIND_TAKE_CONFIDENCE
    else:
        confidence = BLIND_TAKE_CONFIDENCE
    if take_indices:
        reason = f"take abandoned before “{cue_text}”"
        mark = Mark(RemovalKind.RETAKE, reason, confidence, CUED_RETAKES, echo=tuple(echo))
        ledger.propose(take_indices, mark)


def _whole_sentence_is_cue(ctx: Context, sentences: Sequence[Sentence], n: int, cue: Cue) -> bool:
    """The cue fills a short sentence but for a word or two each side, or the sentence is no
    longer than an aside (or than a cue, when the cue is strong) and the take before it is said
    again only after the whole sentence (neither the words before the cue nor those after it
    restart the take): all of it is the cue ("sorry, let me say it again from the start, okay",
    "no, I want to put that differently from the top")."""
    sentence = sentences[n]
    tokens = sentence.tokens
    cue_start, cue_end = cue.start, cue.end
    if len(tokens) > CUE_MAX_TOKENS:
        return False
    if cue_start <= CUE_SLACK and len(tokens) - cue_end <= CUE_SLACK:
        return True
    if cue_start > CUE_SLACK and len(tokens) > ASIDE_MAX_TOKENS and not cue.strong:
        return False
    take_indices, take = _take_before(sentences, n)
    if not take or _too_far_back(ctx, sentence, take_indices):
        return False
    if cue_end < len(tokens):
        _, rest = _following(sentences, n, sentence, cue_end)
        if _restarted_suffix(take, rest) is not None:
            return False
    _, after = _following(sentences, n, sentence, len(tokens))
    return _restarted_suffix(take, after) is not None


def _too_far_back(ctx: Context, sentence: Sentence, take_indices: Sequence[int]) -> bool:
    """The take ended longer before the cue than a take that the cue abandons."""
    if not take_indices:
        return False
    gap = ctx.words[sentence.indices[0]].start_us - ctx.words[take_indices[-1]].end_us
    return gap > TAKE_TO_CUE_US


def _restarted_suffix(take: Sequence[str], following: Sequence[str]) -> int | None:
    """Where, in what came before the cue, the take that is said again after it begins: the
    tail of `take` that `following` restarts most closely (a transcript without punctuation
    runs earlier sentences into the take)."""
    starts = [
        start
        for start in range(len(take))
        if (start == 0 or len(take) - start >= 2) and restarts(take[start:], following)
    ]
    if not starts:
        return None

    def closeness(start: int) -> float:
        tail = take[start:]
        return similar(tail, following[: len(tail) + 3])

    return max(starts, key=lambda start: (closeness(start), -start))


def _take_before(sentences: Sequence[Sentence], n: int) -> tuple[list[int], list[str]]:
    """The sentence before the cue, reaching further back while it is a stray fragment (the ASR
    often breaks an abandoned take in two)."""
    indices: list[int] = []
    tokens: list[str] = []
    k = n
    while k > 0 and len(tokens) < MIN_TAKE_TOKENS:
        k -= 1
        indices = list(sentences[k].indices) + indices
        tokens = list(sentences[k].tokens) + tokens
    return indices, tokens


def _following(
    sentences: Sequence[Sentence], n: int, sentence: Sentence, cue_end: int
) -> tuple[list[int], list[str]]:
    """What is said after the cue: the rest of its sentence, and the sentences after it while
    that is short (a stray word the ASR wrote twice is a sentence of its own)."""
    indices, rest = list(sentence.indices[cue_end:]), list(sentence.tokens[cue_end:])
    for later in sentences[n + 1 :]:
        if len(rest) >= MIN_TAKE_TOKENS:
            break
        indices += later.indices
        rest += later.tokens
    return indices, rest


def propose_uncued_retakes(ctx: Context, ledger: Ledger) -> None:
    """Keep the last of consecutive near-identical sentences (a retake without a cue).

    Near-identical means a high token similarity *and* shared content words, so parallel
    sentences survive. The retake is compared with the whole next sentence and with its
    opening, since ASR often runs sentences together. A short aside between the two takes
    that sounds like talk about the take is a cue.
    """
    sentences = ctx.live(ledger)
    threshold = ctx.options.retake_similarity
    lexicon = ctx.lexicon
    for n, current in enumerate(sentences[:-1]):
        a = current.tokens
        echo, following = _said_after(sentences, n, len(a))
        best = best_retake_score(a, following, lexicon) if len(a) >= MIN_TAKE_TOKENS else 0.0
        between: Sentence | None = None
        if best < threshold and n + 2 < len(sentences):
            aside = sentences[n + 1].tokens
            echo_after, after = _said_after(sentences, n + 1, len(a))
            if len(aside) <= ASIDE_MAX_TOKENS:
                score = best_retake_score(a, after, lexicon) if len(a) >= MIN_TAKE_TOKENS else 0.0
                if score >= threshold and hints_a_cue(aside, lexicon):
                    best, between, echo, following = score, sentences[n + 1], echo_after, after
                elif completed_by(a, after):
                    # An abandoned take, a short aside, the take said again and carried on:
                    # the aside is a cue, whatever its words.
                    best, between, echo, following = (
                        _COMPLETED_SCORE,
                        sentences[n + 1],
                        echo_after,
                        after,
                    )
        if best < threshold:
            continue
        reason = f"retake: said again as “{' '.join(following[:6])}…”"
        confidence = min(0.9, 0.4 + best * 0.5)
        if substituted(a, following, lexicon):
            confidence = min(confidence, SUBSTITUTED_CONFIDENCE)
            reason += ", with other words"
        mark = Mark(RemovalKind.RETAKE, reason, confidence, UNCUED_RETAKES, echo=echo)
        ledger.propose(current.indices, mark)
        if between is not None:
            text = " ".join(between.tokens)
            mark = Mark(
                RemovalKind.RETAKE_CUE,
                f"aside between two takes: “{text}”",
                ASIDE_CONFIDENCE,
                UNCUED_RETAKES,
                echo=current.indices,
            )
            ledger.propose(between.indices, mark)


def _said_after(
    sentences: Sequence[Sentence], n: int, wanted: int
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The following sentence(s): stray one-word fragments do not end the search."""
    indices: tuple[int, ...] = ()
    tokens: tuple[str, ...] = ()
    for sentence in sentences[n + 1 :]:
        indices += sentence.indices
        tokens += sentence.tokens
        if len(sentence.tokens) > 1 and len(tokens) >= wanted:
            break
    return indices, tokens
