"""Retake cues recognised by what they do: a short stretch that talks about saying it again.

The words of each role come from the language's data (`roughy.engine.languages`); no phrase is
fixed. A cue is *strong* when it names the repetition and either the act or the slip ("let me
try that bit again", "no, that came out wrong, from the top"); any single role is a *weak* hint
("sorry", "one more time") that only counts where the takes around it match.
"""

from __future__ import annotations

from dataclasses import dataclass

from roughy.engine.languages import Lexicon, find_phrases

CUE_MAX_TOKENS = 14
"""A cue is short: the longest cue of the tuning corpus took 11 words (with the ASR's extra
word), so a little more than that is allowed."""
CUE_ROLE_REACH = 6
"""Role words further apart than this are an ordinary sentence that happens to use them."""


@dataclass(frozen=True)
class Cue:
    start: int
    """First token of the cue within the tokens it was found in."""
    end: int
    strong: bool
    again: bool
    """It names the repetition ("again", "from the top"), not only a slip or an act."""


def find_cue(tokens: tuple[str, ...], lexicon: Lexicon) -> Cue | None:
    """The cue in `tokens`, if any: the stretch from its first to its last role word."""
    roles = lexicon.cue
    tokens = _without_idioms(tokens, lexicon)
    again = find_phrases(tokens, roles.again)
    act = find_phrases(tokens, roles.act)
    slip = find_phrases(tokens, roles.slip)
    if not (again or slip):
        return None
    best: Cue | None = None
    for anchor, size in again + slip:
        near = [
            (s, n)
            for s, n in again + act + slip
            if s + n > anchor - CUE_ROLE_REACH and s < anchor + size + CUE_ROLE_REACH
        ]
        start = min(s for s, _ in near)
        end = max(s + n for s, n in near)
        has_again = any(s in {a for a, _ in again} for s, _ in near)
        strong = has_again and any((s, n) in act or (s, n) in slip for s, n in near)
        if end - start > CUE_MAX_TOKENS:
            continue
        cue = Cue(start, end, strong, has_again)
        if best is None or (cue.strong, cue.end - cue.start) > (best.strong, best.end - best.start):
            best = cue
    return best


def hints_a_cue(tokens: tuple[str, ...], lexicon: Lexicon) -> bool:
    """Any role word at all: an aside between two takes that sounds like talk about the take."""
    roles = lexicon.cue
    tokens = _without_idioms(tokens, lexicon)
    return any(find_phrases(tokens, phrases) for phrases in (roles.again, roles.act, roles.slip))


def _without_idioms(tokens: tuple[str, ...], lexicon: Lexicon) -> tuple[str, ...]:
    """The tokens with repetition idioms blanked out: "again and again" is no cue."""
    out = list(tokens)
    for start, size in find_phrases(tokens, lexicon.repeat_idioms):
        out[start : start + size] = [""] * size
    return tuple(out)
