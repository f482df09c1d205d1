"""Retakes and cues recognised by their structure (synthetic transcripts, no corpus text)."""

from __future__ import annotations

from engine.analysis_fixtures import decision_for, words_from_text
from roughy.engine.cutting.options import CutOptions


def kept_text(text: str) -> str:
    words = words_from_text(text)
    marks = decision_for(words, CutOptions()).removed
    return " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)


def test_a_long_cue_sentence_that_opens_with_other_words_is_all_cue() -> None:
    # take, a cue sentence whose role words come only after a few plain words, the take again
    text = (
        "The museum opens its doors at nine. "
        "No, I would like to put that differently from the top. "
        "The museum opens its doors at nine."
    )
    assert kept_text(text) == "The museum opens its doors at nine."


def test_a_plain_sentence_naming_a_repetition_between_different_sentences_is_kept() -> None:
    text = (
        "The museum opens its doors at nine. "
        "We want to do the whole tour again from the top next year. "
        "The garden closes its gates at six."
    )
    assert kept_text(text) == text


def test_a_compound_the_asr_splits_the_second_time_is_still_said_again() -> None:
    # a complete take, then the same take with its last content word written as two words
    text = (
        "Most walkers cross the river near the lighthouse. "
        "Most walkers cross the river near the light house."
    )
    assert kept_text(text) == "Most walkers cross the river near the light house."


def test_a_false_start_that_stutters_inside_itself_goes_whole() -> None:
    # an opening said twice inside an abandoned sentence, then the sentence said in full
    text = "Our team built, our team built the bridge. Our team built the bridge over the river."
    assert kept_text(text) == "Our team built the bridge over the river."


def test_a_lone_repetition_word_in_ordinary_speech_is_no_cue() -> None:
    # "over"/"again" between two phrases that share only an article: no take, no cue
    for text in ("They rowed the boat over the lake.", "We met the team again the next day."):
        assert kept_text(text) == text


def test_a_take_said_again_after_a_cue_naming_only_the_repetition_is_dropped() -> None:
    # the ASR spelt one word of the retake differently: the shared opening still holds
    text = "Our guide showed them. One more time, our guide showed the old harbour walls."
    assert kept_text(text) == "our guide showed the old harbour walls."
