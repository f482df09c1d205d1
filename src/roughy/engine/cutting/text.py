"""Tokens and sentences: the text view of a transcript that the rules work on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from roughy.engine.transcribe.guards import is_filler, normalize_token
from roughy.engine.types import Word

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–-]+[\"')\]]*$")

STOPWORDS = frozenset(
    "a an the and or but so of to in on at for with by from is are was were be been it its this "
    "that these those i you he she we they me my your our their his her as if then than there "
    "here what which who not no do does did have has had will would can could should just".split()
)


@dataclass(frozen=True)
class Sentence:
    """Word indices [first, last) of the transcript, with normalised non-filler tokens."""

    first: int
    last: int
    indices: tuple[int, ...]
    tokens: tuple[str, ...]


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.strip()))


def ends_clause(text: str) -> bool:
    return bool(_CLAUSE_END.search(text.strip())) or ends_sentence(text)


def split_sentences(words: Sequence[Word], gap_us: int) -> list[Sentence]:
    """Break after sentence punctuation or before a pause of at least `gap_us`."""
    sentences: list[Sentence] = []
    first = 0
    for i, word in enumerate(words):
        last = i + 1 == len(words)
        gap = 0 if last else words[i + 1].start_us - word.end_us
        if last or ends_sentence(word.text) or gap >= gap_us:
            sentences.append(make_sentence(words, first, i + 1))
            first = i + 1
    return [s for s in sentences if s.last > s.first]


def make_sentence(words: Sequence[Word], first: int, last: int) -> Sentence:
    indices = tuple(i for i in range(first, last) if not is_filler(words[i].text))
    tokens = tuple(normalize_token(words[i].text) for i in indices)
    keep = [(i, t) for i, t in zip(indices, tokens, strict=True) if t]
    return Sentence(first, last, tuple(i for i, _ in keep), tuple(t for _, t in keep))


def content_words(tokens: Sequence[str]) -> set[str]:
    return {t for t in tokens if t not in STOPWORDS}
