"""Stutters the ASR writes with a cut-off mark (synthetic transcripts)."""

from __future__ import annotations

from engine.analysis_fixtures import decision_for, words_from_text
from roughy.engine.cutting.options import CutOptions
from roughy.engine.types import Word


def dropped(text: str) -> list[tuple[str, str]]:
    words = words_from_text(text)
    marks = decision_for(words, CutOptions()).removed
    return [(w.text, m.kind.value) for w, m in zip(words, marks, strict=True) if m is not None]


def test_a_stutter_the_asr_marks_with_a_dash_word_is_dropped_with_the_dash() -> None:
    assert dropped("You - you should call first.") == [("You", "stutter"), ("-", "stutter")]


def test_a_deliberate_double_marked_as_cut_off_is_a_stutter() -> None:
    # the second copy written as a restart ("-that"): a word cut off, not said twice on purpose
    assert dropped("That -that plan worked.") == [("That", "stutter")]


def test_a_deliberate_double_without_a_cut_off_mark_is_kept() -> None:
    assert dropped("I know that that plan worked.") == []


def test_a_repeat_whose_second_copy_the_asr_barely_heard_is_only_suggested() -> None:
    words = list(words_from_text("We coiled the the ropes."))
    words[3] = Word(words[3].text, words[3].start_us, words[3].end_us, 0.1)
    decision = decision_for(words, CutOptions())
    assert all(m is None for m in decision.removed)
    assert [w.text for w, m in zip(words, decision.suggested, strict=True) if m] == ["the"]


def test_a_word_doubled_on_purpose_only_inside_a_clause_is_a_stutter_at_an_opening() -> None:
    assert dropped("We left. There, there were five boats.") == [("There,", "stutter")]


def test_the_same_double_standing_alone_or_inside_a_clause_is_kept() -> None:
    for text in ("There, there. It is fine.", "There, there, it is fine.", "I know that that is."):
        assert dropped(text) == []


def test_an_intensifier_doubled_at_an_opening_is_kept() -> None:
    assert dropped("We left. Very, very few boats came back.") == []
