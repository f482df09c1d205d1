"""How alike two stretches of tokens are: the measures every repetition pass shares."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from roughy.engine.cutting.text import (
    content_words,
    matched_words,
    near_partner,
    similar,
    with_compounds,
)
from roughy.engine.languages import Lexicon

RESTART_TOKEN_SIMILARITY = 0.5
"""`following` re-says `take` when their tokens are at least this alike (difflib ratio)."""
RESTART_SOUND_SIMILARITY = 0.75
"""...or when their spellings are this alike (a restart the ASR wrote differently)."""
_MIN_LETTERS = 8
"""Spellings shorter than this are too short to compare by sound."""
RETAKE_SHARED_CONTENT = 0.6
"""Two takes share at least this share of their content words (Jaccard, near spellings
matching); parallel sentences ("Our first office was in Berlin. Our second office ...") fall
below it on the tuning corpus."""
RETAKE_COVERED_CONTENT = 0.8
"""...or the later, longer take holds this share of the earlier one's content words."""
RETAKE_CLOSE_RATIO = 0.75
"""Takes that do not open with the same token must be this alike overall."""
_MIN_CONTENT = 3
"""A take needs this many content words before its content can be compared at all."""
PARALLEL_REACH = 3
"""A retake may add a few words before it has said all of the take's words again."""
COMPLETED_SHARE = 0.8
"""A take is said again when this share of its words come back, in order, at the start."""


def restarts(take: Sequence[str], following: Sequence[str]) -> bool:
    """`following` re-says `take`: same opening, mostly the same words, or the same sound."""
    if len(take) >= 2 and len(following) >= 2 and tuple(take[:2]) == tuple(following[:2]):
        return True
    if len(take) == 1 and len(following) >= 2 and take[0] == following[0]:
        return True
    if similar(take, following[: len(take) + 3]) >= RESTART_TOKEN_SIMILARITY:
        return True
    return sounds_alike(take, following)


def sounds_alike(take: Sequence[str], following: Sequence[str]) -> bool:
    text = " ".join(take)
    head = " ".join(following)[: len(text)]
    return (
        len(text) >= _MIN_LETTERS
        and SequenceMatcher(None, text, head, autojunk=False).ratio() >= RESTART_SOUND_SIMILARITY
    )


def retake_score(a: Sequence[str], b: Sequence[str], lexicon: Lexicon) -> float:
    """Token similarity, or 0 when the content words differ too much (parallel sentences).

    Content words match when equal or spelled nearly alike: the ASR rarely writes a re-said
    sentence the same way twice.
    """
    ca, cb = content_words(a, lexicon), content_words(b, lexicon)
    if len(ca) < _MIN_CONTENT:
        return 0.0
    matched = matched_words(ca, cb)
    shared = matched / max(1, len(ca) + len(cb) - matched)
    covered = matched / max(1, len(ca))
    if not (
        shared >= RETAKE_SHARED_CONTENT or (covered >= RETAKE_COVERED_CONTENT and len(a) < len(b))
    ):
        return 0.0
    ratio = similar(a, b)
    return ratio if a[0] == b[0] or ratio >= RETAKE_CLOSE_RATIO else 0.0


def best_retake_score(take: Sequence[str], following: Sequence[str], lexicon: Lexicon) -> float:
    if len(following) < _MIN_CONTENT:
        return 0.0
    return max(retake_score(take, b, lexicon) for b in (following, following[: len(take)]))


def common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def completed_by(take: Sequence[str], following: Sequence[str]) -> bool:
    """`following` opens with `take` (near spellings allowed) and carries on past it: the take
    was abandoned and said again in full."""
    if not take or len(following) <= len(take):
        return False
    head = following[: len(take)]
    same = sum(1 for a, b in zip(take, head, strict=True) if a == b or near_partner(a, {b}))
    ends_alike = take[-1] == head[-1] or near_partner(take[-1], {head[-1]}) is not None
    return take[0] == head[0] and ends_alike and same >= max(1, round(COMPLETED_SHARE * len(take)))


def substituted(take: Sequence[str], following: Sequence[str], lexicon: Lexicon) -> bool:
    """A content word of the take is not said again (nor a near spelling of it) where
    `following` re-says it: a parallel sentence or a correction, not the same words again."""
    ours = content_words(take, lexicon)
    theirs = content_words(with_compounds(following[: len(take) + PARALLEL_REACH]), lexicon)
    return matched_words(ours, theirs) < len(ours)
