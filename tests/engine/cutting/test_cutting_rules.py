from __future__ import annotations

from engine.analysis_fixtures import decision_for, words_from_text
from roughy.engine.cutting.marks import Marks
from roughy.engine.cutting.options import CutOptions
from roughy.engine.types import RemovalKind, Word


def mark_words(words: tuple[Word, ...], options: CutOptions) -> Marks:
    return decision_for(words, options).removed


def dropped(
    text: str, options: CutOptions | None = None, *, language: str = "en"
) -> list[tuple[str, str]]:
    words = words_from_text(text)
    marks = decision_for(words, options or CutOptions(), language=language).removed
    return [(w.text, m.kind.value) for w, m in zip(words, marks, strict=True) if m is not None]


def test_fillers_are_dropped_whatever_their_punctuation() -> None:
    assert dropped("So, um, we start here. Uh... and then, Hmm, we stop.") == [
        ("um,", "filler"),
        ("Uh...", "filler"),
        ("Hmm,", "filler"),
    ]


def test_stutter_drops_the_first_of_two_identical_words() -> None:
    assert dropped("We need the the final version today.") == [("the", "stutter")]


def test_deliberate_doubles_are_not_stutters() -> None:
    assert dropped("It was very very cold and what it is is a mystery.") == []


def test_stutter_punctuated_with_a_comma_is_dropped() -> None:
    assert dropped("Careful, careful planning helps.") == [("Careful,", "stutter")]


def test_words_across_a_sentence_boundary_are_not_stutters() -> None:
    assert dropped("We met in Paris. Paris was sunny.") == []


def test_false_start_sentence_restarted_in_the_next_one() -> None:
    kinds = dropped("The results of the. The results of the study were clear.")
    assert kinds == [(w, "false_start") for w in ("The", "results", "of", "the.")]


def test_misheard_false_start_is_still_recognised() -> None:
    kinds = dropped("Raining expected. Rain is expected for most of the weekend.")
    assert kinds == [("Raining", "false_start"), ("expected.", "false_start")]


def test_self_repair_within_a_sentence() -> None:
    kinds = dropped("I think we should, I think we should leave now.")
    assert [w for w, _ in kinds] == ["I", "think", "we", "should,"]
    assert {k for _, k in kinds} == {"false_start"}


def test_legitimate_repetition_survives() -> None:
    text = (
        "What is a rough cut? A rough cut removes the long pauses. "
        "A rough cut keeps the best parts of every take."
    )
    assert dropped(text) == []


def test_parallel_sentences_are_not_retakes() -> None:
    text = "Our first office was in Berlin. Our second office was in Lisbon."
    assert dropped(text) == []


def test_uncued_retake_keeps_the_last_take() -> None:
    text = (
        "The bridge was closed to traffic overnight. "
        "The old bridge was closed to all traffic overnight."
    )
    kinds = dropped(text)
    assert [w for w, _ in kinds] == "The bridge was closed to traffic overnight.".split()
    assert {k for _, k in kinds} == {"retake"}


def test_cued_retake_drops_cue_and_previous_take() -> None:
    text = (
        "Our editor will review the. Sorry, let me say that again. "
        "Our editor will review the draft before Friday."
    )
    kinds = dict(dropped(text))
    assert kinds["editor"] == "retake"
    assert kinds["Sorry,"] == "retake_cue"
    assert kinds["again."] == "retake_cue"
    kept = [
        w.text
        for w, m in zip(
            words_from_text(text), mark_words(words_from_text(text), CutOptions()), strict=True
        )
        if m is None
    ]
    assert kept == "Our editor will review the draft before Friday.".split()


def test_cue_inside_a_sentence_drops_the_partial_take() -> None:
    text = "The recipe calls for, let me start again, the recipe calls for two cups of flour."
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    kept = " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)
    assert kept == "the recipe calls for two cups of flour."


def test_cue_words_in_ordinary_speech_are_kept() -> None:
    text = "We tried one more time and it finally worked. Then we went home."
    assert dropped(text) == []


def test_a_weak_cue_counts_only_between_matching_takes() -> None:
    retake = (
        "A good microphone matters. Oops, hang on a second. "
        "A good microphone matters more than a camera."
    )
    assert {k for _, k in dropped(retake)} >= {RemovalKind.RETAKE_CUE.value}
    legit = "Here is the letter. Hang on a second. It says we won."
    assert dropped(legit) == []


def test_a_cue_is_recognised_by_what_it_says_in_any_wording() -> None:
    for cue in (
        "No, that came out wrong, from the top.",
        "Let me try that bit again.",
        "Okay, once more from the beginning.",
    ):
        text = f"The museum opens at ten on weekdays. {cue} The museum opens at nine on weekdays."
        kept = " ".join(w for w, m in _fates(text) if m is None)
        assert kept == "The museum opens at nine on weekdays.", cue


def test_cues_in_other_languages_come_from_their_data() -> None:
    text = (
        "Das Museum öffnet um zehn Uhr. Moment, das sage ich nochmal. "
        "Das Museum öffnet um neun Uhr."
    )
    kept = " ".join(w for w, m in _fates(text, language="de") if m is None)
    assert kept == "Das Museum öffnet um neun Uhr."


def test_fillers_of_the_transcripts_language_are_dropped() -> None:
    assert [w for w, m in _fates("Wir haben, äh, drei Räume.", language="de") if m] == ["äh,"]
    spanish = "Y, este, no sé. Este libro es bueno."
    assert [w for w, m in _fates(spanish, language="es") if m] == ["este,"]
    assert [w for w, m in _fates("Alors, euh, on commence.", language="fr") if m] == ["euh,"]


def test_words_a_language_doubles_on_purpose_are_not_stutters() -> None:
    text = "Die Frau, die die Zeitung liest, lacht."
    assert [w for w, m in _fates(text, language="de") if m] == []


def _fates(text: str, *, language: str = "en") -> list[tuple[str, object]]:
    words = words_from_text(text)
    marks = decision_for(words, CutOptions(), language=language).removed
    return [(w.text, m) for w, m in zip(words, marks, strict=True)]


def test_rules_can_be_switched_off() -> None:
    options = CutOptions(remove_fillers=False, remove_stutters=False)
    assert dropped("Um, we need the the answer.", options) == []


def test_abandoned_clause_run_into_the_previous_sentence_is_dropped() -> None:
    text = (
        "The garden looks its best in early June, the price includes. "
        "The price includes breakfast and a guided tour of the castle."
    )
    kinds = dropped(text)
    assert [w for w, _ in kinds] == ["the", "price", "includes."]
    assert {k for _, k in kinds} == {"false_start"}


def test_a_clause_that_only_shares_an_opening_is_kept() -> None:
    text = "We looked at flights, the price is fair. The price includes breakfast and lunch."
    assert dropped(text) == []


def test_cue_run_into_the_take_sentence() -> None:
    text = (
        "The hospital opened a new wing for children, sorry, let me say that again. "
        "The hospital opened a new wing for children."
    )
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    kept = " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)
    assert kept == "The hospital opened a new wing for children."


def test_retake_followed_by_a_stray_fragment_is_still_found() -> None:
    text = (
        "The first version of the map had only three rivers. The. "
        "First version of the map had only three rivers."
    )
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    assert all(m is not None and m.kind is RemovalKind.RETAKE for m in marks[:9])


def test_cue_after_a_take_written_differently_needs_only_a_similar_sound() -> None:
    text = (
        "Our meetings recorded. Whoops, let me re-do that. "
        "Our meeting is recorded every Tuesday afternoon."
    )
    kinds = dict(dropped(text))
    assert kinds["meetings"] == "retake"
    assert kinds["that."] == "retake_cue"


def test_retake_misheard_differently_the_second_time_is_found() -> None:
    """The ASR rarely writes a re-said sentence the same way twice."""
    text = (
        "Our garden produces tomatoes every single summer. "
        "Our garden produced tomato every single summer."
    )
    kinds = dropped(text)
    assert [w for w, _ in kinds] == "Our garden produces tomatoes every single summer.".split()
    assert {k for _, k in kinds} == {"retake"}


def test_a_word_opening_a_short_cue_sentence_is_part_of_the_cue() -> None:
    text = (
        "The bus stops near the museum. Right, let me redo that. "
        "The bus stops right next to the museum."
    )
    kinds = dict(dropped(text))
    assert kinds["Right,"] == "retake_cue"
    assert kinds["near"] == "retake"
    assert "right" not in kinds


def test_an_answer_before_a_cue_phrase_is_kept() -> None:
    text = "Can we play the song again? Yes, one more time. Then we can all go home."
    assert dropped(text) == []


def test_take_broken_in_two_by_the_asr_goes_whole() -> None:
    text = (
        "The tent sleeps twenty. Eight people. Sorry, let me say that again. "
        "The tent sleeps twenty eight people."
    )
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    kept = " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)
    assert kept == "The tent sleeps twenty eight people."


def test_a_short_aside_between_two_takes_goes_with_the_first_take() -> None:
    text = (
        "The ferry leaves the harbour every morning. Oops, hold on. "
        "The ferry leaves the harbour every single morning."
    )
    kinds = dropped(text)
    assert {w: k for w, k in kinds}["Oops,"] == "retake_cue"
    assert [
        w for w, k in kinds if k == "retake"
    ] == "The ferry leaves the harbour every morning.".split()


def test_an_eight_word_aside_with_an_act_word_between_two_whole_takes_is_a_cue() -> None:
    """The ASR can mishear a cue's repetition word; its act word ("let me") and its place
    between two takes of one sentence still make it a cue."""
    take = "The ferry leaves the harbour every morning."
    aside = "Okay, let me get that one properly now."
    text = f"{take} {aside} {take}"
    kinds = dropped(text)
    assert [w for w, k in kinds if k == "retake_cue"] == aside.split()
    assert [w for w, k in kinds if k == "retake"] == take.split()


def test_an_aside_between_different_sentences_is_kept() -> None:
    text = "The ferry leaves every morning. Oh well. The train leaves every evening instead."
    assert dropped(text) == []


def test_cue_inside_a_sentence_between_matching_takes() -> None:
    text = (
        "Fresh bread tastes best warm, let me start that bit over, "
        "fresh bread tastes best warm from the oven."
    )
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    kept = " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)
    assert kept == "fresh bread tastes best warm from the oven."


def test_cue_after_an_unpunctuated_run_drops_only_the_take_said_again() -> None:
    text = (
        "we plant trees along the main roads the engine needs that new filter "
        "Let me try that again. The engine needs a new filter."
    )
    words = words_from_text(text)
    marks = mark_words(words, CutOptions())
    kept = " ".join(w.text for w, m in zip(words, marks, strict=True) if m is None)
    assert kept == "we plant trees along the main roads The engine needs a new filter."


def test_a_short_sentence_between_a_sentence_and_its_recap_is_kept() -> None:
    text = (
        "The doors open at nine every morning. Lunch is at noon. "
        "The doors open at nine every single morning."
    )
    kinds = dict(dropped(text))
    assert "Lunch" not in kinds and "noon." not in kinds


def test_a_complete_sentence_restated_as_the_opening_of_a_longer_one_is_kept() -> None:
    assert dropped("Keep it short. Keep it short and people listen.") == []
    assert dropped("Halte es kurz. Halte es kurz, dann hören alle zu.", language="de") == []


def test_a_sentence_said_again_with_a_new_ending_is_a_parallel_not_a_retake() -> None:
    text = "We planted oak trees along the river. We planted pine trees along the road."
    assert dropped(text) == []


def test_anaphora_inside_a_sentence_is_kept() -> None:
    text = "We argued about the budget, we argued about the schedule, we argued about everything."
    assert dropped(text) == []


def test_again_and_again_is_no_cue() -> None:
    text = "We tried the recipe. I said it again and again. Nobody listened to me."
    assert dropped(text) == []


def test_a_question_said_again_is_kept() -> None:
    assert dropped("Where did you grow up? Where did you grow up, really?") == []


def test_a_question_said_again_without_its_question_mark_is_kept() -> None:
    """The speech model often writes no question mark: the words a question opens with say it."""
    text = "Muss man die Segel wirklich trocknen. Muss man die Segel wirklich trocknen. Ja."
    assert dropped(text, language="de") == []
    assert (
        dropped("Aber warum ist das Boot nass. Aber warum ist das Boot nass.", language="de") == []
    )
    assert dropped("Why did you sell the boat. Why did you sell the boat.") == []


def test_a_statement_said_again_is_still_a_retake() -> None:
    text = "Man muss die Segel trocknen. Man muss die Segel trocknen."
    assert [w for w, _ in dropped(text, language="de")] == text.split()[:5]


def test_a_long_take_run_into_its_retake_without_a_sentence_end_is_dropped() -> None:
    text = (
        "Yesterday the old harbour master of the little town said yesterday the old harbour "
        "master of the little town said nothing at all."
    )
    kinds = dropped(text)
    assert [w for w, _ in kinds] == text.split()[:10]


def test_an_aside_in_any_words_between_an_abandoned_take_and_its_completion_is_a_cue() -> None:
    text = "The bakery on the corner. Give me a second. The bakery on the corner sells bread."
    kept = " ".join(w for w, m in _fates(text) if m is None)
    assert kept == "The bakery on the corner sells bread."


def test_a_repeat_stamped_against_the_sentence_before_is_only_suggested() -> None:
    words = (
        Word("Done.", 0, 400_000),
        Word("We", 430_000, 600_000),
        Word("we", 900_000, 1_050_000),
        Word("left", 1_100_000, 1_400_000),
        Word("early.", 1_450_000, 1_900_000),
    )
    decision = decision_for(words)
    assert decision.removed == [None] * 5
    suggestion = decision.suggested[1]
    assert suggestion is not None and suggestion.kind is RemovalKind.STUTTER


def test_words_whose_stamps_collapsed_are_not_cut() -> None:
    """The decoder lost the timing (words of no duration): nothing says where to cut them."""
    words = (
        Word("The", 0, 200_000),
        Word("ferry", 200_000, 500_000),
        Word("leaves", 500_000, 800_000),
        Word("at", 800_000, 900_000),
        Word("noon.", 900_000, 1_300_000),
        *(Word(t, 2_000_000, 2_000_000) for t in "Sorry, let me say that again.".split()),
        *words_from_text("The ferry leaves at noon on Sundays.", start=3.0),
    )
    assert decision_for(words).removed[5:11] == [None] * 6


def test_a_cue_sentence_is_all_cue_when_the_take_restarts_only_after_it() -> None:
    text = (
        "The library closes at. Sorry, let me go over that again from the very top please. "
        "The library closes at six on Sundays."
    )
    kept = " ".join(w for w, m in _fates(text) if m is None)
    assert kept == "The library closes at six on Sundays."


def test_a_first_person_opener_belongs_to_the_cue() -> None:
    text = "The garden gate squeaks at. I'm going to redo that. The garden gate squeaks at night."
    kept = " ".join(w for w, m in _fates(text) if m is None)
    assert kept == "The garden gate squeaks at night."


def test_a_word_set_apart_between_a_false_start_and_its_restart_is_an_aside() -> None:
    words = list(words_from_text("The bridge opens at. Right the bridge opens at noon every day."))
    aside = next(n for n, w in enumerate(words) if w.text == "Right")
    shift = 400_000
    words[aside + 1 :] = [
        Word(w.text, w.start_us + shift, w.end_us + shift) for w in words[aside + 1 :]
    ]
    marks = mark_words(tuple(words), CutOptions())
    fates = {w.text: m.kind.value for w, m in zip(words, marks, strict=True) if m is not None}
    assert fates == {
        "The": "false_start",
        "bridge": "false_start",
        "opens": "false_start",
        "at.": "false_start",
        "Right": "retake_cue",
    }


def test_a_repeat_with_another_content_word_is_only_suggested() -> None:
    text = (
        "Most visitors say that the old tower looks grey in winter. "
        "Most visitors say that the old tower looks golden in winter."
    )
    words = words_from_text(text)
    decision = decision_for(words, CutOptions())
    assert all(m is None for m in decision.removed)
    suggested = [w.text for w, m in zip(words, decision.suggested, strict=True) if m is not None]
    assert suggested == "Most visitors say that the old tower looks grey in winter.".split()


def test_a_content_word_doubled_inside_a_clause_is_only_suggested() -> None:
    words = words_from_text("The rooms were bright bright and quiet.")
    decision = decision_for(words, CutOptions())
    assert all(m is None for m in decision.removed)
    assert [w.text for w, m in zip(words, decision.suggested, strict=True) if m] == ["bright"]


def test_a_word_opening_a_sentence_said_twice_is_a_stutter() -> None:
    assert dropped("We moved in. Nobody nobody knew us yet.") == [("Nobody", "stutter")]


def test_words_spelt_alike_but_starting_differently_are_not_a_stutter() -> None:
    assert dropped("They sold eight freight wagons last year.") == []


def test_a_list_that_repeats_its_opening_with_new_words_is_kept() -> None:
    text = "We fixed the doors today, we fixed the windows today, we went home."
    assert dropped(text) == []


def test_a_slip_between_two_different_sentences_is_only_suggested() -> None:
    text = "The shop sells fresh bread daily. Wait. The shop sells cheap flour daily."
    words = words_from_text(text)
    decision = decision_for(words, CutOptions())
    assert all(m is None for m in decision.removed)
    assert decision.suggested[words.index(next(w for w in words if w.text == "Wait."))]


def test_an_aside_ending_in_a_cue_is_all_cue_whatever_comes_before_the_cue_words() -> None:
    text = "The ferry leaves at noon. Right okay well then, once more. The ferry sails at twelve."
    kept = " ".join(w for w, m in _fates(text) if m is None)
    assert kept == "The ferry sails at twelve."


def test_the_take_after_a_cue_is_found_past_a_stray_word() -> None:
    text = "The shop opens at. Let me try that once more. more. The shop opens at ten on Sundays."
    kinds = dict(dropped(text))
    assert kinds["at."] == "retake"
    assert kinds["try"] == "retake_cue"


def test_a_restatement_the_asr_spelt_differently_the_second_time_is_kept() -> None:
    text = "We bake the breads. We baking the bread, and the rest follows."
    assert dropped(text) == []
