from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.analysis_fixtures import signal_for, transcript_of, words_at, words_from_text
from roughy.engine.cutting import (
    AdjudicationRequest,
    AnalysisSignal,
    CutOptions,
    decide_cut,
)
from roughy.engine.types import CutDocument, EngineError, RemovalKind, Span, Transcript, Word


def covered(spans: Sequence[Span], start: int, end: int) -> int:
    return sum(max(0, min(end, s.end_us) - max(start, s.start_us)) for s in spans)


def kept_text(doc: CutDocument) -> str:
    return " ".join(
        w.text
        for w in doc.words
        if covered(doc.kept, w.start_us, w.end_us) == w.end_us - w.start_us
    )


def spoken_cut(
    spoken: str, script: str | None, options: CutOptions | None = None
) -> tuple[list[Word], CutDocument]:
    """The words of `spoken` (evenly timed, one voice) and the cut decided on them."""
    words = words_from_text(spoken)
    end = words[-1].end_us / 1e6 + 0.5
    doc = decide_cut(transcript_of(words, end), signal_for(words, end), options, script=script)
    return words, doc


def assert_no_kept_word_clipped(doc: CutDocument, dropped: set[str]) -> None:
    for word in doc.words:
        inside = covered(doc.kept, word.start_us, word.end_us)
        if word.text not in dropped:
            assert inside == word.end_us - word.start_us, f"{word.text} clipped"


def test_filler_is_removed_from_its_start_to_the_next_kept_word() -> None:
    words = words_at(
        [
            ("We", 0.5, 0.8),
            ("start", 0.9, 1.3),
            ("um,", 1.6, 2.0),
            ("here", 2.3, 2.7),
            ("today.", 2.8, 3.3),
        ]
    )
    doc = decide_cut(transcript_of(words, 4.0), signal_for(words, 4.0))
    fillers = [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    assert len(fillers) == 1
    assert covered(doc.kept, 1_600_000, 2_000_000) == 0
    assert kept_text(doc) == "We start here today."
    assert_no_kept_word_clipped(doc, {"um,"})


def test_long_pause_is_compressed_to_the_target_not_deleted() -> None:
    words = words_at(
        [("First", 0.5, 0.9), ("part.", 1.0, 1.4), ("Second", 4.4, 4.9), ("part.", 5.0, 5.4)]
    )
    options = CutOptions(pause_target_us=400_000)
    doc = decide_cut(transcript_of(words, 6.0), signal_for(words, 6.0), options)
    silences = [r for r in doc.removed if r.kind is RemovalKind.SILENCE]
    assert silences
    kept_gap = covered(doc.kept, 1_400_000, 4_400_000)
    assert 300_000 <= kept_gap <= 500_000
    assert_no_kept_word_clipped(doc, set())


def test_natural_gaps_are_kept() -> None:
    words = words_from_text("One sentence here. Another one follows.", sentence_gap_s=0.35)
    end = words[-1].end_us / 1e6 + 0.3
    doc = decide_cut(transcript_of(words, end), signal_for(words, end))
    assert covered(doc.kept, words[0].start_us, words[-1].end_us) == (
        words[-1].end_us - words[0].start_us
    )


def test_padding_is_asymmetric_around_a_cut() -> None:
    words = words_at([("Hello", 0.5, 1.0), ("there.", 1.1, 1.5), ("Next", 5.5, 6.0)])
    options = CutOptions(
        pad_before_us=100_000, pad_after_us=200_000, pause_target_us=300_000, snap_radius_us=0
    )
    doc = decide_cut(transcript_of(words, 7.0), signal_for(words, 7.0), options)
    (silence,) = [
        r for r in doc.removed if r.kind is RemovalKind.SILENCE and 1e6 < r.start_us < 2e6
    ]
    assert abs(silence.start_us - 1_700_000) <= 10_000
    assert abs(silence.end_us - 5_400_000) <= 10_000


def test_a_breath_in_a_long_pause_goes_with_the_pause() -> None:
    words = words_at([("Ready.", 0.5, 1.0), ("Go", 3.0, 3.4)])
    voiced = signal_for(words, 4.0)
    samples = voiced.samples.copy()
    breath = np.random.default_rng(3).standard_normal(4_800).astype(np.float32) * 0.05
    samples[30_400:35_200] += breath  # 1.9-2.2 s: unvoiced noise, no words
    speech = (*voiced.speech[:1], Span(1_900_000, 2_200_000), *voiced.speech[1:])
    signal = AnalysisSignal.from_samples(samples, speech=speech)
    doc = decide_cut(transcript_of(words, 4.0), signal)
    assert covered(doc.kept, 1_900_000, 2_200_000) == 0


def test_a_short_voiced_sound_in_a_long_pause_is_a_missed_word_and_kept() -> None:
    """ASR misses short words said on their own ("The", "My"): a voice is not a breath."""
    words = words_at([("Ready.", 0.5, 1.0), ("Go", 3.0, 3.4)])
    doc = decide_cut(transcript_of(words, 4.0), signal_for(words, 4.0, extra=[(1.9, 2.2)]))
    assert covered(doc.kept, 1_900_000, 2_200_000) == 300_000


def test_a_word_written_into_silence_does_not_keep_the_silence() -> None:
    """Whisper hallucinates text ("Thank you.") where nothing was said."""
    words = words_at([("Ready.", 0.5, 1.0), ("Go", 4.5, 4.9)])
    ghost = Word("Thanks.", 2_200_000, 2_700_000, 0.4)
    transcript = transcript_of((words[0], ghost, words[1]), 5.5)
    doc = decide_cut(transcript, signal_for(words, 5.5))
    assert "Thanks." not in [w.text for w in doc.words]
    assert covered(doc.kept, 1_500_000, 4_000_000) <= 500_000


def test_short_sound_next_to_a_word_is_kept_as_a_dropped_word() -> None:
    words = words_at([("Ready.", 0.5, 1.0), ("scientists", 3.0, 3.6)])
    doc = decide_cut(transcript_of(words, 4.0), signal_for(words, 4.0, extra=[(2.6, 2.9)]))
    assert covered(doc.kept, 2_600_000, 2_900_000) == 300_000


def test_joins_land_in_low_energy() -> None:
    words = words_at([("Alpha", 0.5, 1.0), ("um", 1.4, 1.8), ("beta", 2.2, 2.7)])
    signal = signal_for(words, 3.2)
    doc = decide_cut(transcript_of(words, 3.2), signal)
    for r in doc.removed:
        for edge in (r.start_us, r.end_us):
            if 0 < edge < 3_200_000:
                frame = min(len(signal.energy_db) - 1, edge // 10_000)
                assert signal.energy_db[frame] < -50


def test_cut_document_round_trips_and_lists_words() -> None:
    words = words_from_text("Um, this is, uh, a test.")
    end = words[-1].end_us / 1e6 + 0.5
    doc = decide_cut(transcript_of(words, end), signal_for(words, end))
    assert CutDocument.from_dict(doc.to_dict()) == doc
    assert doc.words == tuple(doc.words)
    assert {r.kind for r in doc.removed} >= {RemovalKind.FILLER}
    assert all(r.reason and 0 < r.confidence <= 1 for r in doc.removed)
    assert doc.settings["options"]["pad_after_us"] == CutOptions().pad_after_us


def test_presets_differ_in_strength() -> None:
    gentle, balanced, aggressive = (
        CutOptions.preset(n) for n in ("gentle", "balanced", "aggressive")
    )
    assert gentle.max_pause_us > balanced.max_pause_us > aggressive.max_pause_us
    assert not gentle.remove_false_starts and balanced.remove_false_starts
    assert CutOptions.preset("balanced", pad_after_us=1).pad_after_us == 1


def test_script_mode_keeps_last_complete_take_and_suggests_asides() -> None:
    script = "The bridge opens at noon. Tickets cost five dollars."
    spoken = (
        "The bridge opens at. The bridge opens at noon. Hold on where is my coffee cup. "
        "Tickets cost five dollars. Tickets cost five dollars."
    )
    words, doc = spoken_cut(spoken, script)
    assert kept_text(doc) == (
        "The bridge opens at noon. Hold on where is my coffee cup. Tickets cost five dollars."
    )
    assert {r.kind for r in doc.removed} & {RemovalKind.RETAKE, RemovalKind.FALSE_START}
    # An aside off the script is suggested, not removed: the alignment with a script is often
    # wrong about what is off it (see `passes.script`).
    assert RemovalKind.OFF_SCRIPT in {r.kind for r in doc.suggested}
    last_take = [w for w in words if w.text == "Tickets"][-1]
    assert covered(doc.kept, last_take.start_us, last_take.end_us) > 0


def test_script_mode_keeps_a_take_the_asr_split_in_two_and_a_misheard_passage() -> None:
    """Both halves of one take are kept (the second carries on where the first stopped), and
    a misheard stretch ("sales brand" for "sells bread") is not an off-script aside."""
    script = "The old bakery sells fresh bread until it runs out. We open at nine."
    spoken = "The old bakery. Sales fresh brand until it runs out. We open at nine."
    # The fixture voices every word with the same tone, so the acoustic restart test would
    # hear "The old bakery" said again; this test is about the text alignment.
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == spoken
    assert all(r.kind is RemovalKind.SILENCE for r in doc.removed)


def test_script_mode_keeps_the_complete_take_even_if_the_asr_garbles_words() -> None:
    script = "Our team spent three weeks rewriting the billing service."
    spoken = (
        "Our team spent three weeks rewriting the billing service. "
        "Our team stands three weeks, we write in the billing service."
    )
    words, doc = spoken_cut(spoken, script)
    assert kept_text(doc) == "Our team stands three weeks, we write in the billing service."


def test_script_mode_only_compares_takes_said_one_after_another() -> None:
    """A sentence said again after another complete sentence is a recap, not a retake; and
    the ASR's near spellings ("doors"/"door") still align."""
    script = "We open the doors at nine. Lunch is served at noon."
    spoken = "We open the door at nine. Lunch is served at noon. We open the doors at nine sharp."
    words, doc = spoken_cut(spoken, script)
    assert kept_text(doc) == spoken


def test_script_mode_drops_an_earlier_complete_take_said_again_whole() -> None:
    """The take kept is the last: the earlier complete take of the same script sentence is not
    protected as "said as the script has it"."""
    script = "The harbour closes at dusk. Boats leave at dawn."
    spoken = "The harbour closes at dusk. The harbour closes at dusk. Boats leave at dawn."
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == script
    second_take = [w for w in words if w.text == "The"][1]
    assert covered(doc.kept, second_take.start_us, second_take.end_us) > 0


def test_script_mode_suggests_a_whole_take_said_again_after_an_aside() -> None:
    """A complete take in the script's own words, said again after an aside: no text pass links
    takes across a long aside, so the first take is only suggested (precision first)."""
    script = "We open the doors at nine. Lunch is served at noon."
    spoken = (
        "We open the doors at nine. The kettle is whistling loudly in the kitchen. "
        "We open the doors at nine. Lunch is served at noon."
    )
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == spoken
    first_take = tuple(words[:6])
    assert [
        r.pass_name for r in doc.suggested if r.start_us <= first_take[0].start_us < r.end_us
    ] == ["script_takes"]


def test_script_mode_gives_a_sentence_said_twice_to_the_scripts_second_copy() -> None:
    """The first copy of a sentence the script has twice, misheard at its last word, is still
    complete; the second copy said is the script's second copy, not a retake of the first."""
    question = "Why do the boats leave so early in the morning?"
    script = f"{question} {question} Because of the tide."
    spoken = (
        "Why do the boats leave so early in the mourning? "
        "Why do the boats leave so early in the morning? Because of the tide."
    )
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == spoken
    assert not [r for r in doc.suggested if r.pass_name == "script_takes"]


def test_script_mode_removes_off_script_words_that_name_the_repetition() -> None:
    """A weak cue (it names the repetition, but no act or slip) with no take around it to
    confirm it: off the script, it is a cue all the same."""
    script = "The river floods in early spring. Farmers lead the cattle uphill."
    spoken = (
        "The river floods in early spring. Right, once more with feeling. " + script.split(". ")[1]
    )
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == script
    assert {r.pass_name for r in doc.removed if r.kind is RemovalKind.RETAKE_CUE} == {"script_cues"}


def test_script_mode_removes_a_stutter_inside_the_take_kept() -> None:
    """The take kept is protected word by word; of a word said twice in a row the copy kept
    is the second, so the stutter still goes."""
    script = "This week we need to bake the bread."
    spoken = "This week we need to bake the the bread."
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == script
    assert [r.kind for r in doc.removed if r.kind is not RemovalKind.SILENCE] == [
        RemovalKind.STUTTER
    ]


def test_script_mode_best_take_option() -> None:
    script = "We ship every Friday afternoon."
    spoken = "We ship every Friday afternoon. We ship every Friday."
    words = words_from_text(spoken)
    end = words[-1].end_us / 1e6 + 0.5
    doc = decide_cut(
        transcript_of(words, end),
        signal_for(words, end),
        script=script,
        options=CutOptions(script_take="best"),
    )
    assert [r.pass_name for r in doc.suggested] == ["script_takes"]
    suggested = doc.suggested[0]
    shorter = [w for w in words if w.text == "We"][-1]
    assert suggested.start_us <= shorter.start_us < suggested.end_us


@dataclass
class RecordingAdjudicator:
    answer: bool
    seen: list[AdjudicationRequest] = field(default_factory=list)

    def should_remove(self, request: AdjudicationRequest) -> bool:
        self.seen.append(request)
        return self.answer


def _doubtful() -> tuple[tuple[Word, ...], float]:
    words = words_from_text(
        "The bridge was closed to traffic. The old bridge was closed to all traffic."
    )
    return words, words[-1].end_us / 1e6 + 0.5


def test_adjudicator_can_veto_an_ambiguous_removal() -> None:
    words, end = _doubtful()
    judge = RecordingAdjudicator(answer=False)
    options = CutOptions(adjudicate_below=0.99)
    doc = decide_cut(transcript_of(words, end), signal_for(words, end), options, adjudicator=judge)
    assert judge.seen and judge.seen[0].kind == "retake"
    assert "bridge was closed to traffic." in judge.seen[0].text
    assert not [r for r in doc.removed if r.kind is RemovalKind.RETAKE]


def test_adjudicator_is_not_asked_about_confident_removals() -> None:
    words, end = _doubtful()
    judge = RecordingAdjudicator(answer=False)
    doc = decide_cut(
        transcript_of(words, end),
        signal_for(words, end),
        CutOptions(adjudicate_below=0.1),
        adjudicator=judge,
    )
    assert judge.seen == []
    assert [r for r in doc.removed if r.kind is RemovalKind.RETAKE]


class FailingAdjudicator:
    def should_remove(self, request: AdjudicationRequest) -> bool:
        raise EngineError("down", code="adjudicator_failed")


def test_failing_adjudicator_leaves_the_local_decision() -> None:
    words, end = _doubtful()
    doc = decide_cut(
        transcript_of(words, end),
        signal_for(words, end),
        CutOptions(adjudicate_below=0.99),
        adjudicator=FailingAdjudicator(),
    )
    assert [r for r in doc.removed if r.kind is RemovalKind.RETAKE]


def test_lone_low_confidence_word_without_a_hesitation_sound_is_kept() -> None:
    """A short word the ASR is unsure of ("to", "a", "You" misheard) is still speech unless the
    audio sounds like a hesitation: low confidence alone never removes a word."""
    words = (
        *words_at([("We", 0.5, 0.8), ("went", 0.9, 1.3)]),
        Word("to", 1_800_000, 2_100_000, probability=0.12),
        *words_at([("the", 2.6, 2.8), ("shop.", 2.9, 3.4)]),
    )
    doc = decide_cut(transcript_of(words, 4.0), signal_for(words, 4.0))
    assert not [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    assert covered(doc.kept, 1_800_000, 2_100_000) == 300_000


def _stutter(gap_s: float) -> tuple[tuple[Word, ...], CutDocument]:
    words = words_at(
        [
            ("We", 0.5, 0.8),
            ("need", 0.8, 1.1 - gap_s / 2),
            ("the", 1.1, 1.3),
            ("the", 1.3 + gap_s, 1.5 + gap_s),
            ("answer.", 1.5 + gap_s, 2.0 + gap_s),
        ]
    )
    end = 2.6 + gap_s
    return words, decide_cut(transcript_of(words, end), signal_for(words, end))


def test_stutter_separated_by_a_pause_is_cut() -> None:
    words, doc = _stutter(0.2)
    assert [r.kind for r in doc.removed if 0 < r.start_us < 2e6] == [RemovalKind.STUTTER]
    assert covered(doc.kept, words[2].start_us, words[2].end_us) == 0
    assert_no_kept_word_clipped(doc, {"the"})


def test_stutter_without_a_pause_is_spared_rather_than_clipping_speech() -> None:
    words, doc = _stutter(0.0)
    assert not [r for r in doc.removed if r.kind is RemovalKind.STUTTER]
    assert_no_kept_word_clipped(doc, set())


def test_a_recording_of_silence_is_cut_whole() -> None:
    signal = AnalysisSignal.from_samples(np.zeros(16_000 * 20, np.float32), speech=())
    doc = decide_cut(Transcript("en", (), "t", 20_000_000), signal)
    assert doc.kept == ()
    assert [(r.kind, r.pass_name) for r in doc.removed] == [(RemovalKind.SILENCE, "dead_air")]


def test_a_recording_of_noise_is_cut_whole() -> None:
    noise = np.random.default_rng(5).standard_normal(16_000 * 20).astype(np.float32) * 0.05
    signal = AnalysisSignal.from_samples(noise)
    doc = decide_cut(Transcript("en", (), "t", 20_000_000), signal)
    assert doc.kept == ()


def test_every_removed_span_names_its_pass() -> None:
    words = words_from_text("Um, we need the the answer. And, uh, that is all.")
    end = words[-1].end_us / 1e6 + 2.0
    doc = decide_cut(transcript_of(words, end), signal_for(words, end))
    assert doc.removed and all(r.pass_name for r in doc.removed)
    assert {r.pass_name for r in doc.removed} >= {"fillers", "stutters"}


def test_script_mode_keeps_a_sentence_the_script_has_twice() -> None:
    """An echoed question and a restatement are in the script twice: both are kept."""
    script = (
        "Why do the boats leave so early? Why do the boats leave so early? "
        "Keep it short. Keep it short and people listen."
    )
    spoken = (
        "Why do the boats leave so early? Why do the boats leave so early? "
        "Keep it. Keep it short. Keep it short and people listen."
    )
    words, doc = spoken_cut(spoken, script, CutOptions(restart_similarity=0.0))
    assert kept_text(doc) == script
