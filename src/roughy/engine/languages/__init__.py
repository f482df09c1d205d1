"""Languages as data: what counts as a filler, a retake cue and a deliberate double, per language.

Each language is one JSON file next to this module (`en.json`, `de.json`, ...), chosen by the
transcript's language code. A language without a file gets `neutral.json`: hesitation sounds
shared by many languages, no word lists, so only the structural rules (repeats, restarts) act.

A retake cue is recognised by what it does, not by a fixed phrase: it talks about saying
something again. The data lists, per language, the words of its three roles:
  again: the repetition itself ("again", "from the top", "noch mal", "otra vez");
  act:   saying, trying or starting, and the first-person openers ("say", "let me", "versuche");
  slip:  owning a mistake ("sorry", "that came out wrong", "verhaspelt", "perdón").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from roughy.engine.tokens import normalize_token

_HERE = Path(__file__).parent
Phrase = tuple[str, ...]


def _phrases(items: Sequence[str]) -> tuple[Phrase, ...]:
    out = []
    for item in items:
        phrase = tuple(t for t in (normalize_token(w) for w in item.split()) if t)
        if phrase:
            out.append(phrase)
    # Longest first, so "noch mal" is found before "mal".
    return tuple(sorted(set(out), key=lambda p: (-len(p), p)))


@dataclass(frozen=True)
class CueWords:
    again: tuple[Phrase, ...]
    act: tuple[Phrase, ...]
    slip: tuple[Phrase, ...]


@dataclass(frozen=True)
class Lexicon:
    language: str
    hesitations: frozenset[str]
    filler_hint: str
    """Hesitations written as the language writes them, fed to the speech model as hotwords so
    it writes a hesitation down instead of leaving it out or hearing a word in it."""
    set_apart_fillers: tuple[Phrase, ...]
    """Words that are fillers only when set apart by commas or pauses ("este", "o sea")."""
    stopwords: frozenset[str]
    deliberate_doubles: frozenset[str]
    inner_doubles: frozenset[str]
    """Deliberate doubles said on purpose only inside a clause or as a pair standing alone
    ("that that is", "there, there."): doubled at the opening of a clause that goes on ("There,
    there were ..."), they are a stutter."""
    cue: CueWords
    clause_openers: frozenset[str]
    """Words that open a new clause of its own ("and", "because", "weil"), not a complement
    ("that", "dass"): a sentence restated before one of them was complete."""
    question_openers: frozenset[str]
    """Words a question opens with (interrogatives, an auxiliary or modal put first: "what",
    "does", "muss"): a question is recognised when the speech model writes no question mark."""
    repeat_idioms: tuple[Phrase, ...]
    """Repetition that is the meaning, not a retake ("again and again", "immer wieder")."""
    dangling: frozenset[str]
    """Words no complete clause ends with (articles, prepositions, conjunctions): a take that
    stops on one was abandoned."""

    def is_hesitation(self, text: str) -> bool:
        return normalize_token(text) in self.hesitations


def find_phrases(tokens: Sequence[str], phrases: Sequence[Phrase]) -> list[tuple[int, int]]:
    """(start, size) of each non-overlapping occurrence of any phrase, longest phrase first."""
    taken = [False] * len(tokens)
    found: list[tuple[int, int]] = []
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            if any(taken[start : start + size]):
                continue
            if tuple(tokens[start : start + size]) == phrase:
                found.append((start, size))
                taken[start : start + size] = [True] * size
    return sorted(found)


def _load(path: Path) -> Lexicon:
    data = json.loads(path.read_text(encoding="utf-8"))
    cue = data["cue"]
    return Lexicon(
        language=data["language"],
        hesitations=frozenset(normalize_token(w) for w in data["hesitations"]),
        filler_hint=data["filler_hint"],
        set_apart_fillers=_phrases(data["set_apart_fillers"]),
        stopwords=frozenset(normalize_token(w) for w in data["stopwords"]),
        deliberate_doubles=frozenset(normalize_token(w) for w in data["deliberate_doubles"]),
        inner_doubles=frozenset(normalize_token(w) for w in data.get("inner_doubles", [])),
        cue=CueWords(_phrases(cue["again"]), _phrases(cue["act"]), _phrases(cue["slip"])),
        clause_openers=frozenset(normalize_token(w) for w in data["clause_openers"]),
        question_openers=frozenset(normalize_token(w) for w in data["question_openers"]),
        repeat_idioms=_phrases(data["repeat_idioms"]),
        dangling=frozenset(normalize_token(w) for w in data["dangling"]),
    )


LANGUAGES = ("en", "de", "fr", "es")
"""Languages that have their own data file."""


@cache
def lexicon_for(language: str) -> Lexicon:
    """The lexicon of an ISO 639-1 code ("de", "de-AT" and "DE" alike); neutral when unknown."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    path = _HERE / f"{code}.json" if code in LANGUAGES else _HERE / "neutral.json"
    return _load(path)


@cache
def all_hesitations() -> frozenset[str]:
    """Hesitation sounds of every known language (for language-blind transcript guards)."""
    out: set[str] = set()
    for code in LANGUAGES:
        out |= lexicon_for(code).hesitations
    return frozenset(out)
