"""Tokens and sentences: the text view of a transcript that the passes work on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from roughy.engine.languages import Lexicon
from roughy.engine.tokens import normalize_token
from roughy.engine.types import Word

_VOWEL_GROUP = re.compile(r"[aeiouyäöüàâéèêëîïôûùáíóúý]+")
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]»]*$")
_CLAUSE_END = re.compile(r"[,;:—–-]+[\"')\]»]*$")


COMMA_GAP_FACTOR = 2
"""A neural voice paused 0.6-0.7 s at commas on the tuning corpus (sentences 0.5-1 s)."""


@dataclass(frozen=True)
class Sentence:
    """Word indices [first, last) of the transcript, with normalised non-filler tokens."""

    first: int
    last: int
    indices: tuple[int, ...]
    tokens: tuple[str, ...]

    def without(self, gone: Iterable[int]) -> Sentence | None:
        """This sentence reduced to the words not in `gone`; None when nothing is left."""
        drop = set(gone)
        keep = [(i, t) for i, t in zip(self.indices, self.tokens, strict=True) if i not in drop]
        if not keep:
            return None
        return Sentence(self.first, self.last, tuple(i for i, _ in keep), tuple(t for _, t in keep))


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.strip()))


def ends_clause(text: str) -> bool:
    return bool(_CLAUSE_END.search(text.strip())) or ends_sentence(text)


COMMA_PAUSE_US = 250_000
"""A pause this long between two words sets them apart as much as a comma does (a typical comma
pause)."""


def comma_pause(before: Word, word: Word) -> bool:
    return word.start_us - before.end_us >= COMMA_PAUSE_US


def clause_break(before: Word, word: Word) -> bool:
    """`word` opens a new stretch of speech: after clause punctuation or a comma's pause."""
    return ends_clause(before.text) or comma_pause(before, word)


def split_sentences(words: Sequence[Word], gap_us: int, lexicon: Lexicon) -> list[Sentence]:
    """Break after sentence punctuation or before a pause of at least `gap_us` (twice that
    after a comma: a voice can hold a comma's pause that long inside one sentence)."""
    sentences: list[Sentence] = []
    first = 0
    for i, word in enumerate(words):
        last = i + 1 == len(words)
        gap = 0 if last else words[i + 1].start_us - word.end_us
        pause = gap >= (COMMA_GAP_FACTOR * gap_us if ends_clause(word.text) else gap_us)
        if last or ends_sentence(word.text) or pause:
            sentences.append(make_sentence(words, first, i + 1, lexicon))
            first = i + 1
    return [s for s in sentences if s.last > s.first]


def make_sentence(words: Sequence[Word], first: int, last: int, lexicon: Lexicon) -> Sentence:
    indices = tuple(i for i in range(first, last) if not lexicon.is_hesitation(words[i].text))
    tokens = tuple(normalize_token(words[i].text) for i in indices)
    keep = [(i, t) for i, t in zip(indices, tokens, strict=True) if t]
    return Sentence(first, last, tuple(i for i, _ in keep), tuple(t for _, t in keep))


def content_words(tokens: Iterable[str], lexicon: Lexicon) -> set[str]:
    return {t for t in tokens if t not in lexicon.stopwords}


NEAR_SPELLING = 0.75
"""Two tokens this alike (difflib ratio) are the same word misheard ("minute"/"minutes"): set on
the tuning corpus, where re-said words differed by an ending or one letter."""
_NEAR_MIN_LETTERS = 4
"""Shorter words are not compared by spelling: one letter makes another word ("in"/"on")."""


def matched_words(ours: set[str], theirs: set[str]) -> int:
    """How many of `ours` have an equal or near-spelled partner in `theirs` (each used once)."""
    free = set(theirs)
    count = 0
    for word in sorted(ours, key=lambda w: w not in theirs):
        partner = word if word in free else near_partner(word, free)
        if partner is not None:
            free.discard(partner)
            count += 1
    return count


def with_compounds(tokens: Sequence[str]) -> set[str]:
    """The tokens, and each two adjacent ones written as one word: the ASR splits a compound
    the second time it hears it ("database" / "data base") or joins one it split."""
    return set(tokens) | {a + b for a, b in zip(tokens, tokens[1:], strict=False)}


def near_partner(word: str, candidates: set[str]) -> str | None:
    if len(word) < _NEAR_MIN_LETTERS:
        return None
    for other in sorted(candidates):
        if len(other) < _NEAR_MIN_LETTERS:
            continue
        if SequenceMatcher(None, word, other, autojunk=False).ratio() >= NEAR_SPELLING:
            return other
    return None


def similar(a: Sequence[str], b: Sequence[str]) -> float:
    """Token-sequence similarity (difflib ratio), 0 when either is empty."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


def syllables(token: str) -> int:
    """A rough syllable count: vowel groups, a silent final "e" not counted."""
    word = token.lower()
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


GLUE_US = 100_000
"""Words closer than this run into each other: there is no pause between them."""


def glued_to_sentence_before(words: Sequence[Word], index: int) -> bool:
    """The word starts right where a sentence ended, without a pause."""
    if index == 0:
        return False
    before = words[index - 1]
    return ends_sentence(before.text) and words[index].start_us - before.end_us < GLUE_US
