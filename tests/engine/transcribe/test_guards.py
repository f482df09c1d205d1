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


def test_late_filler_prefers_the_sustained_hesitation_over_a_word_onset() -> None:
    """Two wordless steady islands: the filler goes to the longer one (the real "um"), not to
    the short steady onset of the word it was stamped on."""
    words = words_at([("to", 0.3, 0.5), ("um", 1.25, 1.4), ("twice", 1.6, 2.2)])
    speech = [Span(300_000, 500_000), Span(700_000, 1_200_000), Span(1_250_000, 1_420_000)]
    speech.append(Span(1_600_000, 2_200_000))
    refined = refine_fillers(words, speech, held=speech[1:3])
    assert (refined[1].start_us, refined[1].end_us) == (700_000, 1_200_000)
    assert refine_fillers(words, speech)[1].start_us == 1_250_000


def test_filler_without_a_free_island_stays() -> None:
    words = words_at([("ready.", 0.5, 1.0), ("uh", 1.1, 1.3)])
    assert refine_fillers(words, [Span(500_000, 1_000_000)]) == list(words)


def test_uncovered_speech_finds_holes() -> None:
    words = words_at([("a", 0.0, 0.5), ("b", 5.0, 5.5)])
    holes = uncovered_speech(
        words, [Span(0, 4_000_000), Span(4_500_000, 5_500_000)], min_us=1_500_000
    )
    assert holes == [Span(500_000, 5_000_000)]


def test_long_recordings_are_decoded_in_windows_that_end_in_pauses() -> None:
    from roughy.engine.transcribe.whisper import decoding_windows

    minute = 60_000_000
    # Speech everywhere except short pauses; the longest pause before each 10-minute mark wins.
    pauses = [
        (9 * minute, 9 * minute + 300_000),
        (9 * minute + 30_000_000, 9 * minute + 31_000_000),
    ]
    pauses.append((19 * minute, 19 * minute + 200_000))
    speech: list[Span] = []
    cursor = 0
    for a, b in pauses:
        speech.append(Span(cursor, a))
        cursor = b
    speech.append(Span(cursor, 25 * minute))
    windows = decoding_windows(speech, 25 * minute, 10 * minute)
    assert [w.end_us for w in windows[:-1]] == [9 * minute + 30_500_000, 19 * minute + 100_000]
    assert windows[0].start_us == 0 and windows[-1].end_us == 25 * minute
    assert all(a.end_us == b.start_us for a, b in zip(windows, windows[1:], strict=False))
    assert decoding_windows([], 5 * minute, 10 * minute) == [Span(0, 5 * minute)]
    no_pause = decoding_windows([Span(0, 25 * minute)], 25 * minute, 10 * minute)
    assert [w.end_us for w in no_pause] == [10 * minute, 20 * minute, 25 * minute]
