"""Script mode: align the transcript to a reference script and keep one take per sentence."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.cues import CUE_MAX_TOKENS, find_cue
from roughy.engine.cutting.marks import Ledger, Mark, Veto
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.text import content_words, near_partner
from roughy.engine.tokens import normalize_token
from roughy.engine.types import RemovalKind

SCRIPT_TAKES = "script_takes"
OFF_SCRIPT = "off_script"
SCRIPT_CUES = "script_cues"
CUE_CONFIDENCE = 0.85
"""Words off the script that name the repetition ("noch mal", "from the top"; see `cues`): on the
tuning corpus (seeds 7-19) all 56 words such proposals took were cues. (With an act or slip word
alone, "machen", "go", "wait", 30 of 68 words were script words misheard.)"""
SCRIPT_VETO = "script_veto"
WINDOW_SENTENCES = 12
"""A spoken sentence is aligned with the script from the sentence expected next onwards, this
many sentences at most: a sentence the script has twice (an echo, a restatement) is matched
where it comes, and a long script costs no more than a short one."""

_MIN_TAKE_HITS = 2
"""One matched word ("the") is no evidence that a stretch is a take at all."""
_MISHEARD_SHARE = 0.5
"""An unaligned run with at least this share of script words is the script misheard."""
TAKE_CONFIDENCE = 0.3
"""Another take of a script sentence than the one kept: on the tuning corpus (seeds 7, 11, 13)
27-32 % of the speech such proposals took was unwanted. A complete take said before the one
kept gets no more: removing those surely (0.85) moved script-mode retakes on the tuning clips
of seeds 7-23 by one point on one seed (every other such take is removed by the text passes),
and on the validation clips of the unseen seed 23 it cut a legitimate repetition and 1.2 s
of speech."""
FOREIGN_TAKE_CONFIDENCE = 0.05
"""...and one that says content words its script sentence does not have (see `_Foreign`): 4 %
(a take of a look-alike sentence the alignment gave to this one)."""
ASIDE_CONFIDENCE = 0.15
"""Three or more words matching no script sentence where no script words are missing: on the
tuning corpus 11-19 % of such speech was off-script (the rest was the script misheard)."""
_SCRIPT_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")


Alignment = tuple[list["Take"], list[list[int]]]
"""The takes found in a spoken sentence, and its runs of words that align nowhere."""


@dataclass(frozen=True)
class Take:
    """A run of transcript words aligned to one script sentence; `hits` are the positions of
    the script words it matched."""

    sentence: int
    indices: tuple[int, ...]
    hits: frozenset[int]
    coverage: float
    reaches_end: bool
    """It matched one of the sentence's last two words: an abandoned take stops short."""
    said: tuple[int, ...] = ()
    """The words that matched a script word."""

    def continued_by(self, other: Take) -> bool:
        """`other` carries on where this take stopped (the ASR split one take in two), rather
        than starting the sentence again."""
        return (
            other.sentence == self.sentence
            and bool(self.hits)
            and bool(other.hits)
            and min(other.hits) > max(self.hits)
        )

    def joined(self, other: Take, length: int) -> Take:
        hits = self.hits | other.hits
        indices = self.indices + other.indices
        said = self.said + other.said
        return Take(self.sentence, indices, hits, len(hits) / length, other.reaches_end, said)


def script_sentences(script: str) -> list[tuple[str, ...]]:
    out = []
    for chunk in _SCRIPT_SENTENCE.split(script):
        tokens = tuple(t for t in (normalize_token(w) for w in chunk.split()) if t)
        if tokens:
            out.append(tokens)
    return out


def propose_script(ctx: Context, ledger: Ledger) -> None:
    """Propose every take but the chosen one of each script sentence, and off-script runs.

    The alignment of a recording with its script is evidence, not proof: script sentences
    built alike ("if you X the Y, ...") draw each other's takes, and the ASR garbles words. On
    the tuning corpus (seeds 7, 11, 13) a third of the speech these proposals took was unwanted,
    so they are suggestions; the text passes, whose removals were right 99-100 % of the time,
    decide. The chosen complete take of each sentence, when said in the sentence's own words, is
    vetoed against every other pass's removal (a script sentence that was said is never
    dropped); a take with words its sentence does not have is no such evidence (on the tuning
    corpus, vetoes on those kept a sixth of the retakes)."""
    if not ctx.script:
        return
    sentences = script_sentences(ctx.script)
    if not sentences:
        return
    options = ctx.options
    flat = [t for s in sentences for t in s]
    vocabulary = content_words(flat, ctx.lexicon)
    owner = [k for k, s in enumerate(sentences) for _ in s]
    sentence_starts = [0, *accumulate(len(s) for s in sentences)]
    takes: list[Take] = []
    asides: list[list[int]] = []
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    spelling = _ScriptSpelling(flat)

    def align(said: list[tuple[int, str]], first: int, stop: int) -> Alignment:
        lo, hi = sentence_starts[first], sentence_starts[min(len(sentences), stop)]
        matcher.set_seq2(flat[lo:hi])
        return _takes(matcher, said, owner, lo, sentences, vocabulary, ctx)

    cursor = 0
    done: int | None = None
    finished: set[int] = set()
    for spoken in ctx.sentences:
        said = [(i, spelling.of(t)) for i, t in zip(spoken.indices, spoken.tokens, strict=True)]
        found, unaligned = align(said, cursor, cursor + WINDOW_SENTENCES)
        repeated = [t.sentence for t in found if _complete(t, options) and t.sentence in finished]
        if repeated:
            # A sentence already said whole, said whole again: when the script goes on with the
            # same words (an echo, a quote), this is the script's next copy, not another take.
            ahead = align(said, repeated[0] + 1, repeated[0] + 1 + WINDOW_SENTENCES)
            whole = any(_complete(t, options) for t in ahead[0])
            if whole and _hit_count(ahead[0]) >= _hit_count(found):
                found, unaligned = ahead
        if done is not None:
            # The sentence just finished, said again as a whole: a retake of it, unless the
            # script goes on with the same words (an echo, a restatement), which wins a tie.
            again = align(said, done, done + 1)
            if _hit_count(again[0]) > _hit_count(found):
                found, unaligned = again
        takes.extend(found)
        asides.extend(unaligned)
        finished |= {t.sentence for t in found if _complete(t, options)}
        for take in found:
            if _complete(take, options) and sentence_starts[take.sentence + 1] - 1 in take.hits:
                # Said to its very last word: the speaker has moved on to the next sentence.
                cursor = max(cursor, min(len(sentences) - 1, take.sentence + 1))
                done = take.sentence
    takes = _join_split_takes(takes, sentences)
    _propose_asides(asides, takes, sentence_starts[:-1], ledger, ctx)
    content = {n for n, token in enumerate(flat) if token not in ctx.lexicon.stopwords}
    evident = [t for t in takes if _evident(t, content, sentence_starts)]
    heard = [spelling.of(normalize_token(w.text)) for w in ctx.words]
    _choose_takes(evident, sentences, ledger, options, _Foreign(heard, sentences, ctx))


def _hit_count(takes: list[Take]) -> int:
    return sum(len(t.hits) for t in takes)


def _evident(take: Take, content: set[int], sentence_starts: list[int]) -> bool:
    """Enough to call a stretch a take of its sentence: two of its content words, or its
    opening (a false start). Function words alone ("hat", "die") match anywhere."""
    if len(take.hits & content) >= _MIN_TAKE_HITS:
        return True
    return len(take.hits) >= _MIN_TAKE_HITS and min(take.hits) == sentence_starts[take.sentence]


def _propose_asides(
    asides: list[list[int]],
    takes: list[Take],
    sentence_starts: list[int],
    ledger: Ledger,
    ctx: Context,
) -> None:
    """Unaligned runs are off-script, unless they sit where script words were not heard:
    between a take of sentence 3 and one of sentence 6 (sentences 4 and 5 misheard), after a
    take that stops short of its sentence's end, or before one that starts past its opening
    (the rest or the start of that sentence, misheard)."""
    strong = [t for t in takes if len(t.hits) >= _MIN_TAKE_HITS]
    firsts = [t.indices[0] for t in strong]
    for run in asides:
        if _is_cue(ctx, run):
            reason = "not in the script, and talks about the take"
            mark = Mark(RemovalKind.RETAKE_CUE, reason, CUE_CONFIDENCE, SCRIPT_CUES, "script")
            ledger.propose(run, mark)
            continue
        after = bisect_left(firsts, run[0])
        before = strong[after - 1] if after > 0 else None
        following = strong[after] if after < len(strong) else None
        if before and following and following.sentence - before.sentence >= 2:
            continue
        if before and not before.reaches_end:
            continue
        if following and min(following.hits) > sentence_starts[following.sentence] + 1:
            continue
        mark = Mark(
            RemovalKind.OFF_SCRIPT, "not in the script", ASIDE_CONFIDENCE, OFF_SCRIPT, "script"
        )
        ledger.propose(run, mark)


def _join_split_takes(takes: list[Take], sentences: list[tuple[str, ...]]) -> list[Take]:
    out: list[Take] = []
    for take in takes:
        if out and out[-1].continued_by(take):
            out[-1] = out[-1].joined(take, len(sentences[take.sentence]))
        else:
            out.append(take)
    return out


class _ScriptSpelling:
    """Spoken tokens as the script spells them: a near-spelled script word (a plural, a
    doubled letter) stands in for the ASR's spelling, so the alignment is not broken by small
    transcription slips. Candidates share the first letter."""

    def __init__(self, script_tokens: Sequence[str]) -> None:
        self.known = set(script_tokens)
        self.by_letter: dict[str, set[str]] = {}
        for token in self.known:
            self.by_letter.setdefault(token[0], set()).add(token)
        self.cache: dict[str, str] = {}

    def of(self, token: str) -> str:
        if token in self.known or not token:
            return token
        if token not in self.cache:
            candidates = self.by_letter.get(token[0], set())
            self.cache[token] = near_partner(token, candidates) or token
        return self.cache[token]


def _takes(
    matcher: SequenceMatcher[str],
    live: list[tuple[int, str]],
    owner: list[int],
    offset: int,
    sentences: list[tuple[str, ...]],
    vocabulary: set[str],
    ctx: Context,
) -> Alignment:
    """The takes in one spoken sentence, and its runs of words that align nowhere (`matcher`
    holds the script from token `offset` on)."""
    tokens = [t for _, t in live]
    matcher.set_seq1(tokens)
    assigned: list[int | None] = [None] * len(tokens)
    hits: list[int | None] = [None] * len(tokens)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            assigned[block.a + k] = owner[offset + block.b + k]
            hits[block.a + k] = offset + block.b + k
    _fill_gaps(assigned)
    asides = _unaligned_runs(live, assigned, vocabulary, ctx)
    return _group(live, assigned, hits, sentences), asides


def _fill_gaps(assigned: list[int | None]) -> None:
    """Unmatched words between two words of the same script sentence belong to it (ASR slips)."""
    last: int | None = None
    for i, value in enumerate(assigned):
        if value is not None:
            if last is not None and assigned[last] == value:
                for k in range(last + 1, i):
                    assigned[k] = value
            last = i


def _unaligned_runs(
    live: list[tuple[int, str]],
    assigned: list[int | None],
    vocabulary: set[str],
    ctx: Context,
) -> list[list[int]]:
    """Runs of unaligned words that may be off-script asides: long enough, and not words that
    sound like the script's (a misheard passage of the script is not an aside)."""
    options = ctx.options
    if not options.drop_off_script:
        return []
    out: list[list[int]] = []
    run: list[tuple[int, str]] = []
    for (index, token), value in zip([*live, (-1, "")], [*assigned, 0], strict=True):
        if value is None:
            run.append((index, token))
            continue
        indices = [i for i, _ in run]
        if _is_cue(ctx, indices) or (
            len(run) >= options.off_script_min_words and not _misheard(run, vocabulary, ctx)
        ):
            out.append(indices)
        run = []
    return out


def _is_cue(ctx: Context, indices: list[int]) -> bool:
    """Words off the script that name the repetition: a retake cue, wherever it sits."""
    if not indices or len(indices) > CUE_MAX_TOKENS:
        return False
    tokens = tuple(normalize_token(ctx.words[i].text) for i in indices)
    cue = find_cue(tokens, ctx.lexicon)
    return cue is not None and cue.again


def _misheard(run: list[tuple[int, str]], vocabulary: set[str], ctx: Context) -> bool:
    content = content_words((t for _, t in run), ctx.lexicon)
    if not content:
        return True
    known = sum(1 for w in content if w in vocabulary or near_partner(w, vocabulary))
    return known >= _MISHEARD_SHARE * len(content)


def _group(
    live: list[tuple[int, str]],
    assigned: list[int | None],
    hits: list[int | None],
    sentences: list[tuple[str, ...]],
) -> list[Take]:
    """Consecutive words aligned to the same script sentence; a take's `said` are the words
    that matched a script word."""
    last_positions = list(accumulate(len(s) for s in sentences))
    last_positions = [p - 1 for p in last_positions]
    takes: list[Take] = []
    current: list[int] = []
    current_hits: set[int] = set()
    said: list[int] = []
    owner: int | None = None

    def take(owner: int) -> Take:
        hit_set = frozenset(current_hits)
        coverage = len(hit_set) / len(sentences[owner])
        reaches_end = bool(hit_set) and max(hit_set) >= last_positions[owner] - 1
        return Take(owner, tuple(current), hit_set, coverage, reaches_end, tuple(said))

    for (index, _), value, hit in zip(live, assigned, hits, strict=True):
        if value is None:
            continue
        if value != owner and current and owner is not None:
            takes.append(take(owner))
            current, current_hits, said = [], set(), []
        owner = value
        current.append(index)
        if hit is not None:
            current_hits.add(hit)
            said.append(index)
    if current and owner is not None:
        takes.append(take(owner))
    return takes


class _Foreign:
    """Whether a take says content words its script sentence does not have: then it is a take
    of another sentence the alignment gave to this one (script sentences built alike, "if you
    X the Y, ..."), or words the speaker added, not the same sentence said again."""

    def __init__(self, heard: list[str], sentences: list[tuple[str, ...]], ctx: Context) -> None:
        self.heard = heard
        self.sentences = sentences
        self.lexicon = ctx.lexicon

    def __call__(self, take: Take) -> bool:
        script = set(self.sentences[take.sentence])
        said = content_words((self.heard[i] for i in take.indices), self.lexicon)
        return any(w not in script and near_partner(w, script) is None for w in said)


def _choose_takes(
    takes: list[Take],
    sentences: list[tuple[str, ...]],
    ledger: Ledger,
    options: CutOptions,
    foreign: _Foreign,
) -> None:
    for k in range(len(sentences)):
        for candidates in _runs_of_takes(takes, k, options):
            if not candidates:
                continue
            chosen = _chosen(candidates, options)
            if _complete(chosen, options) and not foreign(chosen):
                reason = f"said as script sentence {k + 1} has it"
                ledger.veto(Veto(_protected(chosen, foreign.heard), SCRIPT_VETO, reason))
            for take in candidates:
                if take is chosen:
                    continue
                kind = RemovalKind.RETAKE if take.coverage >= 0.5 else RemovalKind.FALSE_START
                reason = (
                    f"another take of script sentence {k + 1} kept ({take.coverage:.0%} covered)"
                )
                confidence = TAKE_CONFIDENCE
                if foreign(take):
                    confidence = FOREIGN_TAKE_CONFIDENCE
                    reason += ", with words the sentence does not have"
                mark = Mark(kind, reason, confidence, SCRIPT_TAKES, "script")
                ledger.propose(take.indices, mark)


def _protected(take: Take, heard: list[str]) -> tuple[int, ...]:
    """The words of a take that say its script words; of a word said twice in a row (a
    stutter) the second copy, which is the one a stutter removal keeps."""
    order = take.indices
    position = {index: n for n, index in enumerate(order)}
    out: list[int] = []
    for index in take.said:
        n = position[index]
        while n + 1 < len(order) and heard[order[n + 1]] == heard[index]:
            n += 1
        out.append(order[n])
    return tuple(out)


def _runs_of_takes(takes: list[Take], k: int, options: CutOptions) -> list[list[Take]]:
    """The takes of script sentence `k`, in runs said one after another: a complete take of
    another sentence in between means the speaker moved on (or the alignment strayed), so
    takes on either side are not alternatives to each other. One matched word ("the") is no
    evidence that a stretch is a take at all."""
    runs: list[list[Take]] = [[]]
    for take in takes:
        if take.sentence == k and len(take.hits) >= _MIN_TAKE_HITS:
            runs[-1].append(take)
        elif take.sentence != k and _complete(take, options) and runs[-1]:
            runs.append([])
    return runs


def _complete(take: Take, options: CutOptions) -> bool:
    return take.reaches_end and take.coverage >= options.script_complete_coverage


def _chosen(candidates: list[Take], options: CutOptions) -> Take:
    complete = [t for t in candidates if _complete(t, options)]
    if not complete:
        return max(candidates, key=lambda t: (t.coverage, t.indices[0]))
    if options.script_take == "best":
        return max(complete, key=lambda t: (t.coverage, t.indices[0]))
    return complete[-1]
