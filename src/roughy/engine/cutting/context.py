"""Everything the decision passes read, gathered once: trusted words, sentences, audio evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roughy.engine.audio import energy_speech_spans
from roughy.engine.cutting.acoustic import (
    detach_from_held,
    held_islands,
    repair_early_words,
    repair_late_words,
    restarted_islands,
)
from roughy.engine.cutting.marks import Ledger
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.signal import AnalysisSignal
from roughy.engine.cutting.text import Sentence, split_sentences
from roughy.engine.languages import Lexicon, lexicon_for
from roughy.engine.transcribe.guards import clamp_to_speech, drop_words_in_silence, refine_fillers
from roughy.engine.types import Span, Transcript, Word


@dataclass(frozen=True)
class Context:
    """The evidence of one decision. `sentences` are split once, from the trusted words."""

    words: tuple[Word, ...]
    sentences: tuple[Sentence, ...]
    signal: AnalysisSignal
    held: tuple[Span, ...]
    """Voiced islands that sound like a hesitation."""
    restarted: tuple[Span, ...]
    """Short islands said again, sound for sound, right after a pause."""
    lexicon: Lexicon
    options: CutOptions
    script: str | None

    def live(self, ledger: Ledger) -> list[Sentence]:
        """The sentences reduced to the words no earlier pass proposed to remove surely enough
        to be cut (a suggestion leaves the word in view)."""
        out: list[Sentence] = []
        sure = self.options.remove_at
        for sentence in self.sentences:
            gone = [i for i in sentence.indices if ledger.claimed(i, sure)]
            reduced = sentence.without(gone) if gone else sentence
            if reduced is not None:
                out.append(reduced)
        return out


def gather(
    transcript: Transcript, signal: AnalysisSignal, options: CutOptions, script: str | None
) -> Context:
    held: list[Span] = []
    if options.remove_fillers and options.held_word_probability > 0:
        held = held_islands(signal)
    lexicon = lexicon_for(transcript.language)
    words = tuple(trusted_words(transcript.words, signal, held, options))
    restarted: list[Span] = []
    if options.remove_false_starts:
        restarted = restarted_islands(signal, options.restart_similarity)
    return Context(
        words=words,
        sentences=tuple(split_sentences(words, options.sentence_gap_us, lexicon)),
        signal=signal,
        held=tuple(held),
        restarted=tuple(restarted),
        lexicon=lexicon,
        options=options,
        script=script or None,
    )


def trusted_words(
    words: Sequence[Word], signal: AnalysisSignal, held: Sequence[Span], options: CutOptions
) -> list[Word]:
    """Check ASR words against the audio: drop words written into silence, shrink the rest to
    their voice, take stretched words off hesitations, and put late words and fillers back
    where they were said."""
    speech, energy_db = signal.speech, signal.energy_db
    out = drop_words_in_silence(words, speech, energy_speech_spans(energy_db))
    out = detach_from_held(clamp_to_speech(out, speech), speech, held)
    out = refine_fillers(out, speech, held)
    if held:
        out = repair_late_words(out, speech, held, options.held_word_probability)
        out = repair_early_words(out, speech, held)
        out = refine_fillers(out, speech, held)
    return out
