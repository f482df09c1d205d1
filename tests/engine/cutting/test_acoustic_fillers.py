"""Acoustic hesitation detection: held voiced islands, late-word repair, and what must survive."""

from __future__ import annotations

import numpy as np

from engine.analysis_fixtures import decision_for
from roughy.engine.audio import ANALYSIS_SAMPLE_RATE
from roughy.engine.cutting import AnalysisSignal, CutOptions, decide_cut
from roughy.engine.cutting.acoustic import held_islands, repair_late_words
from roughy.engine.types import RemovalKind, Span, Transcript, Word
from roughy.engine.voicing import describe, similarity

RATE = ANALYSIS_SAMPLE_RATE


def _vowel(seconds: float, f0: float = 120.0, glide: float = 0.0) -> np.ndarray:
    """A steady vowel: harmonics of f0 shaped by fixed formants, 30 ms fades."""
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = f0 * (1 + glide * t / max(seconds, 1e-9))
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    out = np.zeros_like(t)
    for k in range(1, 30):
        freq = k * f0
        gain = np.exp(-(((freq - 600) / 150) ** 2)) + 0.5 * np.exp(-(((freq - 1100) / 200) ** 2))
        out += (gain + 0.02) * np.sin(k * phase)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.03)
    return (0.2 * out / np.max(np.abs(out)) * fade).astype(np.float32)


def _word(seconds: float, seed: int = 0) -> np.ndarray:
    """An articulated word: fricative noise, a gliding vowel, a stop gap, another vowel."""
    rng = np.random.default_rng(seed)
    part = seconds / 4
    fricative = (rng.standard_normal(int(part * RATE)) * 0.05).astype(np.float32)
    stop = np.zeros(int(part * 0.5 * RATE), np.float32)
    burst = (rng.standard_normal(int(part * 0.5 * RATE)) * 0.08).astype(np.float32)
    return np.concatenate(
        (fricative, _vowel(part, 140, glide=0.4), stop, burst, _vowel(part, 110, glide=-0.3))
    )


def _signal(parts: list[tuple[float, np.ndarray]], seconds: float) -> AnalysisSignal:
    rng = np.random.default_rng(1)
    samples = (rng.standard_normal(int(seconds * RATE)) * 1e-4).astype(np.float32)
    spans = []
    for start, sound in parts:
        i = int(start * RATE)
        samples[i : i + sound.shape[0]] += sound
        spans.append(Span(round(start * 1e6), round((start + sound.shape[0] / RATE) * 1e6)))
    return AnalysisSignal.from_samples(samples, speech=tuple(spans))


def test_steady_vowel_is_held_and_articulated_word_is_not() -> None:
    held = describe(_vowel(0.45))
    word = describe(_word(0.6))
    assert held is not None and held.held
    assert word is not None and not word.held


def test_slow_diphthong_word_is_protected_by_asr_confidence() -> None:
    """A slow "yeah"/"no" can look held to the acoustics (a real "um" also glides from a vowel
    into a nasal, so glide cannot be the test); the confident transcript keeps it."""
    held = [Span(1_000_000, 1_500_000)]
    for text in ("Yeah.", "No.", "Well,"):
        words = [Word(text, 1_020_000, 1_480_000, 0.9)]
        marks = decision_for(words, CutOptions(), held=held).removed
        assert marks == [None]


def test_held_islands_need_pauses_on_both_sides_and_a_filler_length() -> None:
    signal = _signal(
        [
            (0.2, _word(0.8)),
            (1.3, _vowel(0.4)),  # isolated hesitation
            (2.0, _word(0.8)),
            (2.85, _vowel(0.4)),  # held vowel glued (50 ms) to a word: part of speech
            (3.6, _vowel(1.8)),  # a sung / held note longer than any filler
        ],
        6.0,
    )
    found = held_islands(signal)
    assert [round(s.start_us / 1e6, 1) for s in found] == [1.3]


def test_doubtful_words_on_a_held_island_become_fillers_but_confident_ones_survive() -> None:
    held = [Span(1_000_000, 1_400_000), Span(3_000_000, 3_400_000)]
    words = [
        Word("So", 200_000, 500_000, 0.99),
        Word("to", 1_050_000, 1_350_000, 0.6),  # misheard hesitation
        Word("work", 2_000_000, 2_400_000, 0.99),
        Word("I", 3_050_000, 3_350_000, 0.97),  # a confident, held "I": keep
    ]
    marks = decision_for(words, CutOptions(), held=held).removed
    assert marks[1] is not None and marks[1].kind is RemovalKind.FILLER
    assert marks[0] is None and marks[2] is None and marks[3] is None


def test_held_rule_is_off_in_gentle_preset() -> None:
    words = [Word("to", 1_050_000, 1_350_000, 0.2)]
    marks = decision_for(
        words, CutOptions.preset("gentle"), held=[Span(1_000_000, 1_400_000)]
    ).removed
    assert marks == [None]


def test_late_word_moves_back_to_the_wordless_island_before_the_hesitation() -> None:
    speech = [Span(0, 800_000), Span(1_000_000, 1_250_000), Span(1_450_000, 1_850_000)]
    held = [speech[2]]
    words = [
        Word("runs", 200_000, 700_000, 0.99),
        Word("The,", 1_500_000, 1_650_000, 0.4),
        Word("uh,", 1_650_000, 1_850_000, 0.6),
    ]
    fixed = repair_late_words(words, speech, held, 0.7)
    assert (fixed[1].start_us, fixed[1].end_us) == (1_000_000, 1_250_000)
    assert fixed[2] == words[2]
    # The filler right after it in the transcript is evidence enough, however sure the ASR is.
    confident = [words[0], Word("The,", 1_500_000, 1_650_000, 0.95), words[2]]
    moved = repair_late_words(confident, speech, held, 0.7)
    assert (moved[1].start_us, moved[1].end_us) == (1_000_000, 1_250_000)


def test_a_confident_word_alone_on_a_held_island_stays_where_it_was_heard() -> None:
    speech = [Span(0, 800_000), Span(1_000_000, 1_250_000), Span(1_450_000, 1_850_000)]
    words = [Word("runs", 200_000, 700_000, 0.99), Word("Yeah.", 1_500_000, 1_800_000, 0.95)]
    assert repair_late_words(words, speech, [speech[2]], 0.7) == words


def test_late_word_before_a_filler_moves_even_onto_a_steady_island() -> None:
    """A lone "The" is as steady a sound as an "uh": with the filler after it in the
    transcript, the two held islands are the word and then the hesitation."""
    speech = [Span(0, 800_000), Span(1_000_000, 1_300_000), Span(1_500_000, 1_900_000)]
    held = [speech[1], speech[2]]
    words = [
        Word("out.", 200_000, 700_000, 0.99),
        Word("The,", 1_550_000, 1_700_000, 0.4),
        Word("uh,", 1_700_000, 1_880_000, 0.6),
    ]
    fixed = repair_late_words(words, speech, held, 0.7)
    assert (fixed[1].start_us, fixed[1].end_us) == (1_000_000, 1_300_000)
    marks = decision_for(fixed, CutOptions(), held=held).removed
    assert marks[1] is None, "the word before the hesitation is kept"
    assert marks[2] is not None and marks[2].kind is RemovalKind.FILLER


def test_a_misheard_hesitation_is_dropped_even_when_whisper_writes_a_filler_later() -> None:
    """Whisper can hear one "uh" twice: as "did" on the hesitation and as "erm" on top of
    the next words. That later filler has no hesitation of its own, so "did" is the filler."""
    held = [Span(1_000_000, 1_350_000)]
    words = [
        Word("automated,", 200_000, 700_000, 0.9),
        Word("did,", 1_010_000, 1_060_000, 0.2),
        Word("erm.", 1_700_000, 1_790_000, 0.85),
        Word("The", 1_800_000, 1_900_000, 0.8),
    ]
    marks = decision_for(words, CutOptions(), held=held).removed
    assert marks[1] is not None and marks[1].kind is RemovalKind.FILLER


def test_word_stretched_over_a_following_hesitation_is_pulled_back() -> None:
    from roughy.engine.cutting.acoustic import detach_from_held

    speech = [Span(0, 350_000), Span(700_000, 1_100_000), Span(1_500_000, 2_500_000)]
    held = [speech[1]]
    stretched = Word("You", 20_000, 1_100_000, 0.3)
    inside = Word("can", 1_500_000, 1_800_000, 0.9)
    both_held = Word("uh", 700_000, 1_100_000, 0.5)
    fixed = detach_from_held([stretched, inside, both_held], speech, held)
    assert (fixed[0].start_us, fixed[0].end_us) == (20_000, 350_000)
    assert fixed[1:] == [inside, both_held]
    assert detach_from_held([stretched], speech, []) == [stretched]


def test_short_wordless_steady_sound_next_to_speech_is_kept() -> None:
    """The steady first vowel of a word the VAD split off ("ear|th") is not a hesitation."""
    signal = _signal([(0.3, _word(0.9)), (1.5, _vowel(0.18)), (1.83, _word(0.9, seed=2))], 3.5)
    words = (
        Word("Hello", 300_000, 1_200_000, 0.98),
        Word("world", 1_850_000, 2_700_000, 0.98),
    )
    transcript = Transcript(language="en", words=words, model="t", duration_us=3_500_000)
    doc = decide_cut(transcript, signal, CutOptions())
    assert not [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    assert any(k.start_us <= 1_500_000 and k.end_us >= 1_680_000 for k in doc.kept)


def test_decide_cut_removes_an_untranscribed_held_hesitation_and_keeps_speech() -> None:
    signal = _signal([(0.3, _word(0.9)), (1.45, _vowel(0.45)), (2.1, _word(0.9, seed=2))], 3.5)
    words = (
        Word("Hello", 300_000, 1_200_000, 0.98),
        Word("world", 2_100_000, 3_000_000, 0.98),
    )
    transcript = Transcript(language="en", words=words, model="t", duration_us=3_500_000)
    doc = decide_cut(transcript, signal, CutOptions())
    fillers = [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    assert len(fillers) == 1
    assert fillers[0].start_us <= 1_450_000 and fillers[0].end_us >= 1_900_000
    kept = [(k.start_us, k.end_us) for k in doc.kept]
    assert any(a <= 300_000 and b >= 1_200_000 for a, b in kept)
    assert any(a <= 2_100_000 and b >= 3_000_000 for a, b in kept)


def test_similarity_hears_a_repeat() -> None:
    word = _word(0.5, seed=3)
    assert similarity(word, word) > similarity(word, _vowel(0.5))


def test_stutter_with_overlapping_stamps_is_not_cut() -> None:
    words = [
        Word("it.", 600_000, 880_000),
        Word("The", 670_000, 1_270_000),
        Word("The", 970_000, 1_190_000, 0.15),
        Word("report", 1_190_000, 1_530_000),
    ]
    assert decision_for(words).removed == [None] * 4
    apart = [words[0], Word("The", 1_000_000, 1_100_000), Word("The", 1_200_000, 1_300_000)]
    marks = decision_for(apart).removed
    assert marks[1] is not None and marks[1].kind is RemovalKind.STUTTER


def test_restarted_fragment_is_heard_and_a_different_phrase_is_not() -> None:
    from roughy.engine.cutting.acoustic import restarted_islands

    fragment = _word(0.5, seed=5)
    restart = np.concatenate((fragment, _word(0.8, seed=6)))
    signal = _signal([(0.2, fragment), (1.0, restart)], 3.0)
    assert [round(s.start_us / 1e6, 1) for s in restarted_islands(signal, 0.8)] == [0.2]
    other = _signal([(0.2, fragment), (1.0, np.concatenate((_vowel(0.5), _word(0.8))))], 3.0)
    assert restarted_islands(other, 0.8) == []
    assert restarted_islands(signal, 0.0) == []


def test_a_restart_heard_only_in_the_audio_is_suggested_and_a_deliberate_double_is_not() -> None:
    """The sound alone is weak evidence (a voice repeats sounds it does not abandon): such a
    false start is kept and suggested to the reviewer."""
    words = [Word("No,", 200_000, 600_000), Word("no,", 1_000_000, 1_300_000)]
    decision = decision_for(words, restarted=[Span(200_000, 650_000)])
    assert decision.removed == [None, None] and decision.suggested == [None, None]
    words = [Word("He", 200_000, 350_000), Word("painted", 350_000, 650_000)]
    decision = decision_for(words, restarted=[Span(200_000, 650_000)])
    assert decision.removed == [None, None]
    assert all(m is not None and m.kind is RemovalKind.FALSE_START for m in decision.suggested)


def test_a_very_steady_sound_needs_less_voicing_to_be_a_hesitation() -> None:
    """Background noise lowers measured voicing; steadiness is the stronger witness."""
    from roughy.engine.voicing import Descriptor

    assert Descriptor(voiced=0.9, flux=1.3, nuclei=1, seconds=0.4).held
    assert Descriptor(voiced=0.7, flux=0.8, nuclei=1, seconds=0.4).held
    assert not Descriptor(voiced=0.7, flux=1.3, nuclei=1, seconds=0.4).held
    assert not Descriptor(voiced=0.5, flux=0.5, nuclei=1, seconds=0.4).held
    assert not Descriptor(voiced=1.0, flux=0.5, nuclei=2, seconds=0.4).held


def test_two_words_on_one_held_syllable_were_said_before_it() -> None:
    speech = [Span(0, 800_000), Span(1_000_000, 1_300_000), Span(1_500_000, 1_900_000)]
    speech.append(Span(2_200_000, 3_000_000))
    words = [
        Word("menu.", 200_000, 700_000, 0.99),
        Word("You", 1_500_000, 1_700_000, 0.8),
        Word("can", 1_700_000, 1_900_000, 0.8),
        Word("adjust", 2_300_000, 2_900_000, 0.99),
    ]
    fixed = repair_late_words(words, speech, [speech[2]], 0.7)
    assert all(1_000_000 <= w.start_us and w.end_us <= 1_300_000 for w in fixed[1:3])
    assert fixed[3] == words[3]


def test_a_word_stamped_early_on_a_hesitation_moves_to_the_opening_after_it() -> None:
    """ "numbers" (two syllables) cannot have been said on one held "hmm"; the next stretch
    opens with half a second no word covers."""
    from roughy.engine.cutting.acoustic import repair_early_words

    speech = [Span(0, 900_000), Span(1_100_000, 1_500_000), Span(1_700_000, 3_000_000)]
    words = [
        Word("quarterly", 200_000, 850_000, 0.9),
        Word("numbers", 1_150_000, 1_500_000, 0.83),
        Word("were", 2_200_000, 2_500_000, 0.9),
    ]
    fixed = repair_early_words(words, speech, [speech[1]])
    assert (fixed[1].start_us, fixed[1].end_us) == (1_700_000, 2_200_000)
    one_syllable = [words[0], Word("now", 1_150_000, 1_500_000, 0.9), words[2]]
    assert repair_early_words(one_syllable, speech, [speech[1]]) == one_syllable
    no_room = [words[0], words[1], Word("were", 1_750_000, 2_000_000, 0.9)]
    assert repair_early_words(no_room, speech, [speech[1]]) == no_room


def test_syllable_count() -> None:
    from roughy.engine.cutting.text import syllables

    assert [syllables(w) for w in ("a", "now", "numbers", "electric", "make", "table")] == [
        1,
        1,
        2,
        3,
        1,
        2,
    ]


def _running(middle: np.ndarray) -> tuple[AnalysisSignal, tuple[Word, ...]]:
    """word, 80 ms gap, `middle`, 80 ms gap, word: one voiced island, "um" stamped on the middle."""
    gap = np.zeros(int(0.08 * RATE), np.float32)
    first, last = _word(0.6, seed=7), _word(0.6, seed=8)
    sound = np.concatenate((first, gap, middle, gap, last))
    rng = np.random.default_rng(2)
    samples = (rng.standard_normal(int(3.0 * RATE)) * 1e-4).astype(np.float32)
    at = int(0.5 * RATE)
    samples[at : at + sound.shape[0]] += sound
    end = 0.5 + sound.shape[0] / RATE
    signal = AnalysisSignal.from_samples(samples, speech=(Span(500_000, round(end * 1e6)),))
    middle_start = 0.5 + (first.shape[0] + gap.shape[0]) / RATE
    middle_end = middle_start + middle.shape[0] / RATE
    words = (
        Word("Then", 500_000, round((0.5 + first.shape[0] / RATE) * 1e6), 0.95),
        Word("um,", round(middle_start * 1e6), round(middle_end * 1e6), 0.6),
        Word("went", round((middle_end + 0.08) * 1e6), round(end * 1e6), 0.95),
    )
    return signal, words


def test_a_filler_written_over_an_articulated_word_in_running_speech_is_kept() -> None:
    signal, words = _running(_word(0.5, seed=9))
    doc = decide_cut(Transcript("en", words, "t", 3_000_000), signal, CutOptions())
    assert not [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    steady_signal, steady_words = _running(_vowel(0.5))
    doc = decide_cut(Transcript("en", steady_words, "t", 3_000_000), steady_signal, CutOptions())
    (filler,) = [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    assert filler.start_us <= steady_words[1].start_us and filler.end_us >= steady_words[1].end_us


def test_a_long_filler_stamped_over_a_phrase_is_kept() -> None:
    """Whisper can write "Umm," over a phrase it failed to hear; a phrase keeps moving."""
    phrase = np.concatenate((_word(0.6, seed=11), _word(0.6, seed=12)))
    signal = _signal([(0.3, _word(0.6, seed=10)), (1.4, phrase)], 3.5)
    words = (
        Word("Okay.", 300_000, 900_000, 0.95),
        Word("Umm,", 1_400_000, round((1.4 + phrase.shape[0] / RATE) * 1e6), 0.06),
    )
    doc = decide_cut(Transcript("en", words, "t", 3_500_000), signal, CutOptions())
    assert not [r for r in doc.removed if r.kind is RemovalKind.FILLER]
    steady = _signal([(0.3, _word(0.6, seed=10)), (1.4, _vowel(0.5))], 3.5)
    held_um = (words[0], Word("Umm,", 1_400_000, 1_900_000, 0.6))
    doc = decide_cut(Transcript("en", held_um, "t", 3_500_000), steady, CutOptions())
    assert [r for r in doc.removed if r.kind is RemovalKind.FILLER]


def test_a_confident_word_no_clause_ends_with_set_apart_on_a_held_sound_is_a_filler() -> None:
    """The decoder writes a hesitation as a function word with a comma ("And,"): on a held
    island that word is the hesitation, however sure the ASR is."""
    held = [Span(1_000_000, 1_400_000)]
    words = [
        Word("We", 200_000, 400_000, 0.99),
        Word("left.", 400_000, 700_000, 0.99),
        Word("And,", 1_020_000, 1_380_000, 0.9),
        Word("the", 1_700_000, 1_900_000, 0.99),
        Word("rest", 1_900_000, 2_200_000, 0.99),
        Word("stayed.", 2_200_000, 2_600_000, 0.99),
    ]
    marks = decision_for(words, CutOptions(), held=held).removed
    assert [w.text for w, m in zip(words, marks, strict=True) if m is not None] == ["And,"]


def test_a_confident_word_that_can_stand_alone_on_a_held_sound_is_kept() -> None:
    held = [Span(1_000_000, 1_400_000)]
    for text in ("No,", "So,", "And."):
        words = [Word(text, 1_020_000, 1_380_000, 0.9)]
        assert decision_for(words, CutOptions(), held=held).removed == [None]


def _stuttered(fragment: np.ndarray) -> tuple[AnalysisSignal, tuple[Word, ...]]:
    """A sentence, a pause, a short sound written "Right," and then a word: "Right, walls"."""
    word = _word(0.6, seed=4)
    signal = _signal([(0.3, _word(0.9)), (1.6, fragment), (2.0, word)], 3.2)
    end = round((1.6 + fragment.shape[0] / RATE) * 1e6)
    words = (
        Word("Hello.", 300_000, 1_200_000, 0.98),
        Word("Right,", 1_600_000, end, 0.6),
        Word("walls", 2_000_000, 2_600_000, 0.98),
    )
    return signal, words


def test_a_word_the_asr_wrote_over_a_stuttered_onset_is_a_stutter() -> None:
    # the short sound is the opening of the next word, said once before it
    signal, words = _stuttered(_word(0.6, seed=4)[: int(0.15 * RATE)])
    doc = decide_cut(Transcript("en", words, "t", 3_200_000), signal, CutOptions())
    (stutter,) = [r for r in doc.removed if r.kind is RemovalKind.STUTTER]
    assert stutter.pass_name == "heard_stutters"
    assert stutter.start_us <= 1_600_000 and stutter.end_us >= 1_750_000


def test_a_short_word_that_sounds_unlike_the_next_word_is_kept() -> None:
    signal, words = _stuttered(_vowel(0.15, f0=200))
    doc = decide_cut(Transcript("en", words, "t", 3_200_000), signal, CutOptions())
    assert not [r for r in doc.removed if r.kind is RemovalKind.STUTTER]
