"""Vetoes: legitimate repetition an editor keeps, as passes of their own.

Each looks at the repetition proposals (a take, a false start, a stutter, with the words that
say it again in `Mark.echo`) and vetoes those that are not a speaker abandoning what they said:
  parallel     the take's last content word is not said again: "we planted oaks. We planted
               pines." says something new (a list, an anaphora), it does not restart;
  restatement  a complete clause said again as the opening of a longer sentence, which goes on
               with a clause opener ("Keep it short. Keep it short and ..."; a comma alone is
               what the ASR writes when it runs the next sentence into a retake);
  question     a complete question said again (an echo, a rhetorical repeat), by its question
               mark or by the word it opens with;
  speaker      the two takes are said in clearly different voices (another speaker's echo), by
               their pitch or by their long-term spectrum.
"""

from __future__ import annotations

from collections.abc import Iterator

from roughy.engine.audio import FloatArray
from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark, Veto
from roughy.engine.cutting.passes.retakes import CUED_RETAKES, UNCUED_RETAKES
from roughy.engine.cutting.similarity import PARALLEL_REACH
from roughy.engine.cutting.text import ends_sentence, near_partner, with_compounds
from roughy.engine.tokens import normalize_token
from roughy.engine.types import RemovalKind
from roughy.engine.voicing import median_pitch_hz, timbre_distance_db

PARALLEL = "parallel_veto"
RESTATEMENT = "restatement_veto"
QUESTION = "question_veto"
SPEAKER = "speaker_veto"
ORPHAN = "orphan_aside_veto"
COLLAPSED = "collapsed_stamps_veto"
COLLAPSED_US = 30_000
"""No word is said in under 30 ms: stamps that short are a decoder that lost the timing (on the
tuning corpus, a stretch after a 28 s gap in the transcript had words of 0-20 ms)."""

RESTATED_SHARE = 0.75
"""A restatement says at least this share of the first sentence's words again (the ASR drops
short words: on the tuning corpus it dropped an article from a restatement)."""
_REPEATS = frozenset({RemovalKind.RETAKE, RemovalKind.FALSE_START, RemovalKind.STUTTER})
SPEAKER_PITCH_RATIO = 1.5
"""Two takes whose median pitch (YIN) differs by this factor are two voices. On the tuning
corpus one voice's sentences varied by up to 1.4, and two synthetic voices of an interview by
only 1.2, so this separates only clearly different voices (a low and a high one)."""
SPEAKER_TIMBRE_DB = 3.5
"""Two takes of the same words whose long-term spectra differ by this much (RMS over mel bands,
level removed) are two voices. On the tuning corpus (seeds 7-19) a sentence said again by the
same voice differed by 0.1-1.4 dB, and an echo by a clearly different voice by 5.9-10 dB (two
voices that sound alike, 0.3-1.5 dB, are left to the other vetoes); this lies between them."""
_MIN_VOICE_US = 800_000
"""Shorter stretches give no stable median pitch or spectrum (a few syllables)."""


def _repetitions(ctx: Context, ledger: Ledger) -> Iterator[tuple[Mark, list[int]]]:
    """Each repetition proposal (but those a cue confirms) still standing somewhere, with all
    the words it claims (a veto on some of them does not change what the take was)."""
    claimed: dict[int, tuple[Mark, list[int]]] = {}
    standing: set[int] = set()
    for i in range(len(ledger)):
        for mark in ledger.claims(i):
            if mark.kind in _REPEATS and mark.echo and mark.pass_name != CUED_RETAKES:
                claimed.setdefault(id(mark), (mark, []))[1].append(i)
        standing |= {id(mark) for mark in ledger.standing(i)}
    yield from (claim for key, claim in claimed.items() if key in standing)


def _tokens(ctx: Context, indices: list[int] | tuple[int, ...]) -> list[str]:
    words = ctx.words
    out = [normalize_token(words[i].text) for i in indices]
    return [t for t in out if t and t not in ctx.lexicon.hesitations]


def veto_parallel(ctx: Context, ledger: Ledger) -> None:
    for mark, indices in _repetitions(ctx, ledger):
        take = _tokens(ctx, indices)
        content = [t for t in take if t not in ctx.lexicon.stopwords and t.isalpha()]
        if not content or mark.kind is RemovalKind.STUTTER:
            continue
        echo = with_compounds(_tokens(ctx, mark.echo)[: len(take) + PARALLEL_REACH])
        last = content[-1]
        if last not in echo and near_partner(last, echo) is None:
            reason = f"“{last}” is not said again: a parallel sentence, not a retake"
            ledger.veto(Veto(tuple(indices), PARALLEL, reason, _REPEATS))


def veto_restatement(ctx: Context, ledger: Ledger) -> None:
    lexicon = ctx.lexicon
    for mark, indices in _repetitions(ctx, ledger):
        take = _tokens(ctx, indices)
        if len(take) < 2 or take[-1] in lexicon.dangling:
            continue
        echo_indices = [i for i in mark.echo if normalize_token(ctx.words[i].text)]
        echo = _tokens(ctx, echo_indices)
        end = _restated_up_to(take, echo)
        if end is None or end + 1 >= len(echo):
            continue
        if echo[end + 1] in lexicon.clause_openers:
            reason = "a complete sentence restated as the opening of a longer one"
            ledger.veto(Veto(tuple(indices), RESTATEMENT, reason, _REPEATS))


def _restated_up_to(take: list[str], echo: list[str]) -> int | None:
    """Where in `echo` the take, said again from its first word, ends (a word the ASR dropped
    or spelt a little differently the second time does not matter); None when the echo does
    not open with it."""
    if not echo or echo[0] != take[0]:
        return None
    reach = echo[: len(take) + 2]
    for end in range(len(reach) - 1, 0, -1):
        if reach[end] == take[-1] or near_partner(take[-1], {reach[end]}) is not None:
            said = set(reach[: end + 1])
            again = sum(1 for t in take if t in said or near_partner(t, said) is not None)
            if again >= RESTATED_SHARE * len(take):
                return end
    return None


def veto_question(ctx: Context, ledger: Ledger) -> None:
    """A complete question said again: written with a question mark, or opening with a word
    questions open with (the speech model left out a quarter of the German question marks on
    the tuning corpus, seeds 7-19)."""
    lexicon = ctx.lexicon
    for _mark, indices in _repetitions(ctx, ledger):
        last = ctx.words[indices[-1]].text.strip()
        take = _tokens(ctx, indices)
        if len(take) < 2 or take[-1] in lexicon.dangling:
            continue
        if last.endswith("?") or _opens_question(ctx, indices[0]):
            ledger.veto(Veto(tuple(indices), QUESTION, "a question said again", _REPEATS))


def _opens_question(ctx: Context, index: int) -> bool:
    """The sentence that opens at `index` opens the way questions do, maybe after a clause
    opener ("But why ...", "Und wie ...")."""
    words = ctx.words
    if index > 0 and not ends_sentence(words[index - 1].text):
        return False
    lexicon = ctx.lexicon
    first = normalize_token(words[index].text)
    if first in lexicon.clause_openers and index + 1 < len(words):
        first = normalize_token(words[index + 1].text)
    return first in lexicon.question_openers


def veto_other_speaker(ctx: Context, ledger: Ledger) -> None:
    for mark, indices in _repetitions(ctx, ledger):
        reason = _other_voice(ctx, indices, mark.echo[: len(indices)])
        if reason is not None:
            ledger.veto(Veto(tuple(indices), SPEAKER, reason, _REPEATS))


def _other_voice(ctx: Context, indices: list[int], echo: tuple[int, ...]) -> str | None:
    """Why the take and the same number of words that say it again sound like two voices."""
    ours, theirs = _stretch(ctx, indices), _stretch(ctx, echo)
    if ours is None or theirs is None:
        return None
    first, then = median_pitch_hz(ours), median_pitch_hz(theirs)
    if first is not None and then is not None:
        if max(first, then) / min(first, then) >= SPEAKER_PITCH_RATIO:
            return f"said again in another voice ({first:.0f} Hz, then {then:.0f} Hz)"
    distance = timbre_distance_db(ours, theirs)
    if distance is not None and distance >= SPEAKER_TIMBRE_DB:
        return f"said again in another voice (spectra {distance:.1f} dB apart)"
    return None


def veto_orphan_asides(ctx: Context, ledger: Ledger) -> None:
    """An aside counted as a cue only because takes around it matched goes when the take was
    vetoed (its `echo` names the take)."""
    asides: dict[int, tuple[Mark, list[int]]] = {}
    for i in range(len(ledger)):
        for mark in ledger.standing(i):
            if mark.kind is RemovalKind.RETAKE_CUE and mark.pass_name == UNCUED_RETAKES:
                asides.setdefault(id(mark), (mark, []))[1].append(i)
    for mark, indices in asides.values():
        if not any(ledger.standing(i) for i in mark.echo):
            reason = "the take before it was kept"
            ledger.veto(Veto(tuple(indices), ORPHAN, reason, frozenset({RemovalKind.RETAKE_CUE})))


def veto_collapsed_stamps(ctx: Context, ledger: Ledger) -> None:
    """Text proposals over words whose stamps collapsed (the decoder lost the timing: most of
    the words last no time at all) cannot say where to cut."""
    claims: dict[int, tuple[Mark, list[int]]] = {}
    for i in range(len(ledger)):
        for mark in ledger.standing(i):
            if mark.evidence in ("text", "script"):
                claims.setdefault(id(mark), (mark, []))[1].append(i)
    for _mark, indices in claims.values():
        words = [ctx.words[i] for i in indices]
        collapsed = sum(1 for w in words if w.end_us - w.start_us < COLLAPSED_US)
        if len(words) >= 2 and collapsed * 2 > len(words):
            reason = "the transcript's timing collapsed here"
            ledger.veto(Veto(tuple(indices), COLLAPSED, reason))


def _stretch(ctx: Context, indices: list[int] | tuple[int, ...]) -> FloatArray | None:
    """The audio of the words, when long enough to tell a voice by."""
    if not indices:
        return None
    words = ctx.words
    start = min(words[i].start_us for i in indices)
    end = max(words[i].end_us for i in indices)
    if end - start < _MIN_VOICE_US:
        return None
    return ctx.signal.between(start, end)
