from __future__ import annotations

from engine.analysis_fixtures import words_at
from roughy.engine.transcribe.guards import (
    clamp_to_speech,
    collapse_loops,
    compression_ratio,
    has_repetition_loop,
    is_filler,
    is_hallucinated,
    refine_fillers,
    uncovered_speech,
)
from roughy.engine.types import Span


def test_filler_lexicon() -> None:
    assert all(is_filler(t) for t in ("um", "Uh,", "erm...", "Hmm.", "UMM"))
    assert not any(is_filler(t) for t in ("us", "ohm", "hummus", "the"))


def test_repetition_loops_are_detected_and_collapsed() -> None:
    looped = "we went to the shop " + "and then we " * 6 + "came home"
    tokens = looped.split()
    assert has_repetition_loop(tokens)
    assert not has_repetition_loop("a rough cut removes the pauses a rough cut".split())
    assert is_hallucinated(looped)
    assert compression_ratio(looped) > compression_ratio("we went to the shop and came home")
    words = words_at([(t, i * 0.3, i * 0.3 + 0.25) for i, t in enumerate(tokens)])
    collapsed = [w.text for w in collapse_loops(words)]
    assert collapsed == "we went to the shop and then we came home".split()


def test_words_stretched_across_a_pause_are_clamped() -> None:
    words = words_at([("so", 1.0, 2.5), ("then", 2.6, 3.0)])
    speech = [Span(1_000_000, 1_300_000), Span(2_600_000, 3_000_000)]
    clamped = clamp_to_speech(words, speech)
    assert (clamped[0].start_us, clamped[0].end_us) == (1_000_000, 1_300_000)
    assert (clamped[1].start_us, clamped[1].end_us) == (2_600_000, 3_000_000)


def test_word_is_not_clamped_onto_a_neighbouring_island() -> None:
    words = words_at([("team,", 0.0, 0.7)])
    speech = [Span(0, 400_000), Span(650_000, 1_000_000)]
    assert clamp_to_speech(words, speech)[0].end_us == 400_000


def test_late_filler_moves_to_its_island() -> None:
    words = words_at([("ready.", 0.5, 1.0), ("Umm,", 2.0, 2.5), ("we", 2.5, 2.6), ("go", 2.6, 3.0)])
    speech = [Span(500_000, 1_000_000), Span(1_400_000, 1_800_000), Span(2_000_000, 3_000_000)]
    refined = refine_fillers(words, speech)
    assert (refined[1].start_us, refined[1].end_us) == (1_400_000, 1_800_000)
    assert refined[2:] == list(words[2:])


def test_filler_without_a_free_island_stays() -> None:
    words = words_at([("ready.", 0.5, 1.0), ("uh", 1.1, 1.3)])
    assert refine_fillers(words, [Span(500_000, 1_000_000)]) == list(words)


def test_uncovered_speech_finds_holes() -> None:
    words = words_at([("a", 0.0, 0.5), ("b", 5.0, 5.5)])
    holes = uncovered_speech(
        words, [Span(0, 4_000_000), Span(4_500_000, 5_500_000)], min_us=1_500_000
    )
    assert holes == [Span(500_000, 5_000_000)]
