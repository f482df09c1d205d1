"""Every knob of the cutter, as one frozen dataclass with named presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

Preset = Literal["gentle", "balanced", "aggressive"]
TakeChoice = Literal["last", "best"]


@dataclass(frozen=True)
class CutOptions:
    """How hard to cut. Times are microseconds.

    Rules (each can be switched off):
      remove_fillers: drop filler tokens (um, uh, erm, hmm, ah, ...).
      remove_stutters: drop the first of two identical adjacent words ("the the"), except words
        that are commonly doubled on purpose ("very very", "had had").
      remove_false_starts: drop a sentence whose words restart at the beginning of the next one,
        and a clause-initial n-gram abandoned and said again within `repair_window_words` words.
      remove_retakes: drop a take followed by a near-identical one (`retake_similarity`), and a
        retake cue ("let me say that again") with the take before it.
      script_take: with a reference script, which complete take of each sentence to keep.
      script_complete_coverage: a take is complete when it reaches the sentence's last words and
        covers at least this share of it (transcripts miss words, so not all of them).
      drop_off_script: with a reference script, drop runs of `off_script_min_words`+ words that
        match no script sentence.
    Pacing:
      max_pause_us: pauses longer than this are compressed...
      pause_target_us: ...down to this length (never deleted outright). Balanced keeps at most
        0.3 s of any pause longer than 0.4 s: a listener hears 0.3 s as a natural sentence gap.
      pad_before_us / pad_after_us: silence kept before a kept word's onset / after its end
        (asymmetric: word endings decay slowly, onsets are abrupt).
      min_cut_us: silence removals shorter than this are not worth a join and are kept.
      min_keep_us: kept islands without any kept word shorter than this are dropped.
      snap_radius_us: how far a join may move to find a quieter point (then a zero crossing).
      drop_untranscribed_us: voiced islands with no words, shorter than this and isolated by
        pauses, are treated as untranscribed fillers (0 disables; ASR often omits fillers).
      held_word_probability: a held, steady voiced sound between pauses (a hesitation by its
        acoustics) is removed when its words are fillers or short words below this ASR
        probability; a wordless one is removed too when it lasts 0.25 s or more (0 disables
        both). Low confidence alone never removes a word: the audio must sound like a hesitation.
      doubtful_word_probability: on such a held sound, a word of any length below this ASR
        probability also counts as misheard (0 disables).
      restart_similarity: a short island followed by a pause whose sound recurs (cepstral DTW
        similarity at least this) at the start of the next, longer stretch is a false start,
        even when the ASR wrote the words once (0 disables; needs remove_false_starts).
      adjudicate_below: removals with confidence under this are sent to the adjudicator, if any.
    Precision:
      remove_at: a proposal at least this confident is cut; a less confident one is kept and
        listed in `CutDocument.suggested` for a reviewer.
    """

    remove_fillers: bool = True
    remove_stutters: bool = True
    remove_false_starts: bool = True
    remove_retakes: bool = True
    retake_similarity: float = 0.6
    repair_window_words: int = 4
    false_start_max_words: int = 10
    sentence_gap_us: int = 600_000
    script_take: TakeChoice = "last"
    script_complete_coverage: float = 0.6
    drop_off_script: bool = True
    off_script_min_words: int = 3
    max_pause_us: int = 400_000
    pause_target_us: int = 300_000
    pad_before_us: int = 100_000
    pad_after_us: int = 200_000
    min_cut_us: int = 100_000
    min_keep_us: int = 200_000
    snap_radius_us: int = 40_000
    drop_untranscribed_us: int = 0
    doubtful_word_probability: float = 0.3
    held_word_probability: float = 0.7
    restart_similarity: float = 0.8
    adjudicate_below: float = 0.6
    remove_at: float = 0.7

    @classmethod
    def preset(cls, name: Preset, **overrides: Any) -> CutOptions:
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}")
        return replace(PRESETS[name], **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, CutOptions] = {
    "gentle": CutOptions(
        remove_false_starts=False,
        doubtful_word_probability=0.0,
        held_word_probability=0.0,
        restart_similarity=0.0,
        retake_similarity=0.8,
        max_pause_us=1_200_000,
        pause_target_us=700_000,
        pad_before_us=150_000,
        pad_after_us=250_000,
        min_cut_us=300_000,
    ),
    "balanced": CutOptions(),
    "aggressive": CutOptions(
        retake_similarity=0.5,
        repair_window_words=5,
        max_pause_us=350_000,
        pause_target_us=250_000,
        pad_before_us=80_000,
        pad_after_us=150_000,
        min_cut_us=100_000,
        drop_untranscribed_us=700_000,
    ),
}
