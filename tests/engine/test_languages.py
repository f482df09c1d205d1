from __future__ import annotations

from roughy.engine.languages import LANGUAGES, all_hesitations, lexicon_for
from roughy.engine.tokens import normalize_token


def test_each_language_hints_the_speech_model_with_its_own_hesitations() -> None:
    for code in (*LANGUAGES, "xx"):
        lexicon = lexicon_for(code)
        tokens = {normalize_token(t) for t in lexicon.filler_hint.split()}
        hesitations = tokens & all_hesitations()
        assert hesitations, code
        assert hesitations <= lexicon.hesitations, code


def test_the_hint_differs_between_languages() -> None:
    hints = {lexicon_for(code).filler_hint for code in LANGUAGES}
    assert len(hints) == len(LANGUAGES)
