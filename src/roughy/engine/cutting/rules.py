"""Text rules: decide which transcript words an editor would drop, and why.

Each rule reads the words plus the marks made so far and adds marks; a word keeps its first mark.
Rules never look at specific sentences of any corpus: they only use the shape of the speech
(tokens repeating, restarting, cue phrases, punctuation and pauses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.text import (
    Sentence,
    content_words,
    ends_clause,
    ends_sentence,
    matched_words,
    split_sentences,
)
from roughy.engine.transcribe.guards import is_filler, normalize_token
from roughy.engine.types import RemovalKind, Word

RETAKE_CUES: tuple[tuple[str, ...], ...] = tuple(
    tuple(c.split())
    for c in (
        "let me say that again",
        "let me say it again",
        "let me try that again",
        "let me try again",
        "let me do that again",
        "let me start again",
        "let me start over",
        "let me redo that",
        "let me rephrase that",
        "let me rephrase",
        "let's try that again",
        "lets try that again",
        "let's do that again",
        "i'll say that again",
        "i'll start again",
        "i'll start over",
        "one more time",
        "sorry again",
        "again sorry",
        "take two",
        "scratch that",
        "start over",
        "from the top",
    )
)
_CUE_FILLERS = frozenset(
    {"sorry", "okay", "ok", "oops", "whoops", "ups", "wait", "no", "so", "right", "again"}
)
DELIBERATE_DOUBLES = frozenset(
    {
        "had",
        "that",
        "is",
        "very",
        "really",
        "so",
        "no",
        "yes",
        "yeah",
        "bye",
        "ha",
        "hey",
        "well",
        "now",
        "go",
        "many",
        "much",
        "far",
        "long",
        "more",
        "over",
        "again",
        "blah",
        "knock",
        "tut",
        "chop",
        "there",
        "oh",
        "please",
        "quick",
        "slowly",
        "round",
        "on",
        "by",
    }
)


@dataclass(frozen=True)
class Mark:
    kind: RemovalKind
    reason: str
    confidence: float


Marks = list[Mark | None]


def mark_words(words: Sequence[Word], options: CutOptions) -> Marks:
    """Apply every enabled text rule; returns one optional mark per word."""
    marks: Marks = [None] * len(words)
    if options.remove_fillers:
        mark_fillers(words, marks)
    if options.remove_retakes:
        mark_cued_retakes(words, marks, options)
    if options.remove_stutters:
        mark_stutters(words, marks)
    if options.remove_retakes:
        mark_uncued_retakes(words, marks, options)
    if options.remove_false_starts:
        mark_false_starts(words, marks, options)
        mark_self_repairs(words, marks, options)
    return marks


def _set(marks: Marks, indices: Sequence[int], mark: Mark) -> None:
    for i in indices:
        if marks[i] is None:
            marks[i] = mark


def _live(sentences: Sequence[Sentence], marks: Marks) -> list[Sentence]:
    """Sentences reduced to their unmarked words; empty ones are dropped."""
    out: list[Sentence] = []
    for s in sentences:
        keep = [(i, t) for i, t in zip(s.indices, s.tokens, strict=True) if marks[i] is None]
        if keep:
            out.append(
                Sentence(s.first, s.last, tuple(i for i, _ in keep), tuple(t for _, t in keep))
            )
    return out


def mark_fillers(words: Sequence[Word], marks: Marks) -> None:
    for i, word in enumerate(words):
        if is_filler(word.text):
            _set(
                marks, [i], Mark(RemovalKind.FILLER, f"filler word “{word.text.strip(',.')}”", 0.95)
            )


_STUTTER_MAX_US = 1_000_000


def mark_stutters(words: Sequence[Word], marks: Marks) -> None:
    """Drop the first of two identical adjacent words, unless deliberately doubled or stamped
    on top of each other."""
    live = [i for i in range(len(words)) if marks[i] is None]
    for a, b in zip(live, live[1:], strict=False):
        token = normalize_token(words[a].text)
        if not token or token != normalize_token(words[b].text) or token in DELIBERATE_DOUBLES:
            continue
        if ends_sentence(words[a].text) or words[b].start_us - words[a].end_us > 1_000_000:
            continue
        if words[b].start_us < words[a].end_us:
            # Overlapping stamps: the ASR does not know where one copy ends, so a cut
            # placed between them would land inside speech.
            continue
        if words[a].end_us - words[a].start_us > _STUTTER_MAX_US:
            # A stamp this long holds more than a stuttered word (the decoder lost its place).
            continue
        _set(marks, [a], Mark(RemovalKind.STUTTER, f"repeated word “{token}”", 0.85))


def _find(tokens: Sequence[str], phrase: Sequence[str]) -> int:
    n = len(phrase)
    for start in range(len(tokens) - n + 1):
        if tuple(tokens[start : start + n]) == tuple(phrase):
            return start
    return -1


def _similar(a: Sequence[str], b: Sequence[str]) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


def _restarts(take: Sequence[str], following: Sequence[str]) -> bool:
    """`following` re-says `take`: same opening, mostly the same words, or the same sound."""
    if len(take) >= 2 and len(following) >= 2 and tuple(take[:2]) == tuple(following[:2]):
        return True
    if _similar(take, following[: len(take) + 3]) >= 0.5:
        return True
    text = " ".join(take)
    head = " ".join(following)[: len(text)]
    return len(text) >= 8 and SequenceMatcher(None, text, head, autojunk=False).ratio() >= 0.75


def mark_cued_retakes(words: Sequence[Word], marks: Marks, options: CutOptions) -> None:
    """A short cue sentence ("sorry, let me say that again") drops itself and the take before it."""
    sentences = _live(split_sentences(words, options.sentence_gap_us), marks)
    for n, sentence in enumerate(sentences):
        for cue in RETAKE_CUES:
            at = _find(sentence.tokens, cue)
            if at < 0:
                continue
            _drop_cue_and_take(sentences, n, at, len(cue), marks, options)
            break
        else:
            core = _fuzzy_cue(sentence.tokens)
            if core is not None:
                size = _to_clause_end(words, sentence, *core)
                _drop_cue_and_take(sentences, n, core[0], size, marks, options, fuzzy=True)


def _to_clause_end(words: Sequence[Word], sentence: Sentence, first: int, size: int) -> int:
    """Grow a misheard cue by up to two words to the end of its clause ("let me start home
    at," for "let me start over,")."""

    def closes(end: int) -> bool:
        return ends_clause(words[sentence.indices[end - 1]].text)

    end = first + size
    limit = min(len(sentence.tokens), end + 2)
    grown = end
    while grown < limit and not closes(grown):
        grown += 1
    return grown - first if closes(grown) and not closes(end) else size


def _fuzzy_cue(tokens: Sequence[str]) -> tuple[int, int] | None:
    """A misheard cue ("let me read you that" ~ "let me redo that"), anywhere in the sentence.

    Only cues of 3+ words qualify, and the caller also requires the takes around the cue to
    match each other.
    """
    ratio, first, size = _closest_cue(tokens)
    return (first, size) if ratio >= 0.75 else None


def _closest_cue(tokens: Sequence[str]) -> tuple[float, int, int]:
    """The window of `tokens` spelled most like a cue of 3+ words: (ratio, first, size)."""
    best: tuple[float, int, int] = (0.0, 0, 0)
    for cue in RETAKE_CUES:
        if len(cue) < 3:
            continue
        target = " ".join(cue)
        for size in (len(cue) - 1, len(cue), len(cue) + 1):
            for first in range(0, len(tokens) - size + 1):
                window = " ".join(tokens[first : first + size])
                ratio = SequenceMatcher(None, window, target, autojunk=False).ratio()
                best = max(best, (ratio, first, size))
    return best


def _sounds_like_a_cue(tokens: Sequence[str]) -> bool:
    """An aside between two takes that reads like a (misheard) cue: an exclamation ("oops",
    "sorry") or the opening most cues share ("let me", "let's")."""
    opening = any(tokens[k : k + 2] == ["let", "me"] for k in range(len(tokens) - 1))
    return opening or any(t in _CUE_FILLERS or t in ("lets", "let's") for t in tokens)


def _drop_cue_and_take(
    sentences: Sequence[Sentence],
    n: int,
    at: int,
    size: int,
    marks: Marks,
    options: CutOptions,
    *,
    fuzzy: bool = False,
) -> None:
    sentence = sentences[n]
    cue_end = at + size
    while cue_end < len(sentence.tokens) and sentence.tokens[cue_end] in _CUE_FILLERS:
        cue_end += 1
    cue_start = at
    while cue_start > 0 and sentence.tokens[cue_start - 1] in _CUE_FILLERS:
        cue_start -= 1
    following = _following_tokens(sentences, n, sentence, cue_end)
    if cue_start == 1 and _restarts(_take_before(sentences, n)[1], following):
        # One word opening the cue sentence is an exclamation the ASR misheard ("Whose, let me
        # redo that" for "Oops, ..."), since the sentence before is said again after it.
        cue_start = 0
    head = [t for t in sentence.tokens[:cue_start] if t not in _CUE_FILLERS]
    if head:
        take_indices = list(sentence.indices[:cue_start])
        take_tokens = list(sentence.tokens[:cue_start])
    else:
        take_indices, take_tokens = _take_before(sentences, n)
    start = _restarted_suffix(take_tokens, following)
    similar = start is not None
    if start is not None:
        take_indices, take_tokens = take_indices[start:], take_tokens[start:]
    isolated = not head and cue_end == len(sentence.tokens)
    if not similar and (fuzzy or not isolated or options.retake_similarity >= 0.8):
        return
    if not similar and len(take_tokens) > _MAX_BLIND_TAKE_TOKENS:
        # Nothing to compare with and no sentence end in sight (an unpunctuated transcript):
        # the take cannot be told apart from what came before it, so only the cue goes.
        take_indices = []
    cue_text = " ".join(sentence.tokens[at : at + size])
    _set(
        marks,
        sentence.indices[cue_start:cue_end],
        Mark(RemovalKind.RETAKE_CUE, f"retake cue “{cue_text}”", 0.9),
    )
    if take_indices:
        _set(
            marks,
            take_indices,
            Mark(
                RemovalKind.RETAKE, f"take abandoned before “{cue_text}”", 0.85 if similar else 0.55
            ),
        )


def _restarted_suffix(take: Sequence[str], following: Sequence[str]) -> int | None:
    """Where, in what came before the cue, the take that is said again after it begins: the
    tail of `take` that `following` restarts most closely (a transcript without punctuation
    runs earlier sentences into the take)."""
    starts = [
        start
        for start in range(len(take))
        if (start == 0 or len(take) - start >= 2) and _restarts(take[start:], following)
    ]
    if not starts:
        return None

    def closeness(start: int) -> float:
        tail = take[start:]
        return _similar(tail, following[: len(tail) + 3])

    return max(starts, key=lambda start: (closeness(start), -start))


_MAX_BLIND_TAKE_TOKENS = 20


def _take_before(sentences: Sequence[Sentence], n: int) -> tuple[list[int], list[str]]:
    """The sentence before the cue, reaching further back while it is a stray fragment (the ASR
    often breaks an abandoned take in two: "... can hold 60 sick. ,000 people.")."""
    indices: list[int] = []
    tokens: list[str] = []
    k = n
    while k > 0 and len(tokens) < _MIN_TAKE_TOKENS:
        k -= 1
        indices = list(sentences[k].indices) + indices
        tokens = list(sentences[k].tokens) + tokens
    return indices, tokens


_MIN_TAKE_TOKENS = 3


def _following_tokens(
    sentences: Sequence[Sentence], n: int, sentence: Sentence, cue_end: int
) -> list[str]:
    rest = list(sentence.tokens[cue_end:])
    if len(rest) >= 3 or n + 1 >= len(sentences):
        return rest
    return rest + list(sentences[n + 1].tokens)


def mark_false_starts(words: Sequence[Word], marks: Marks, options: CutOptions) -> None:
    """An abandoned start that the next sentence says again is dropped.

    The abandoned part is a whole short sentence, or the last clause of a sentence (ASR often
    runs the abandoned take into the previous sentence). The restart may be misheard slightly
    differently ("raining expected" / "rain is expected"), so besides a shared token prefix, a
    close character-level match of the prefix counts.
    """
    sentences = _live(split_sentences(words, options.sentence_gap_us), marks)
    for current, following in zip(sentences, sentences[1:], strict=False):
        start = _abandoned_from(words, current, following.tokens, marks, options)
        if start is None:
            continue
        abandoned = current.tokens[start:]
        _set(
            marks,
            current.indices[start:],
            Mark(RemovalKind.FALSE_START, f"false start “{' '.join(abandoned)}” restarted", 0.8),
        )


def _abandoned_from(
    words: Sequence[Word],
    current: Sentence,
    following: Sequence[str],
    marks: Marks,
    options: CutOptions,
) -> int | None:
    """Earliest clause start from which the rest of `current` is restarted by `following`."""
    for start in range(len(current.tokens)):
        tail = current.tokens[start:]
        if len(tail) > options.false_start_max_words or len(tail) >= len(following):
            continue
        if start > 0 and (len(tail) < 2 or not _opens_clause(words, current, start, marks)):
            continue
        if _restarted(tail, following):
            return start
        if start > 0 and len(tail) >= 3 and _retake_score(tail, following[: len(tail)]) >= 0.75:
            return start
    return None


def _restarted(a: Sequence[str], b: Sequence[str]) -> bool:
    prefix = _common_prefix(a, b)
    if prefix >= 2 and prefix >= 0.6 * len(a):
        return True
    if len(a) == 1:
        return prefix == 1 and len(b) >= 3
    text_a, text_b = " ".join(a), " ".join(b)
    head = text_b[: len(text_a)]
    return len(text_a) >= 8 and SequenceMatcher(None, text_a, head, autojunk=False).ratio() >= 0.75


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def mark_self_repairs(words: Sequence[Word], marks: Marks, options: CutOptions) -> None:
    """A clause-initial n-gram (n >= 2) said again within a few words: drop the abandoned part.

    Guards keep legitimate repetition: the first occurrence must open a clause (sentence start,
    after a comma or a pause), the abandoned stretch must not cross a sentence end, and the
    repeat must come within `repair_window_words` words.
    """
    for sentence in _live(split_sentences(words, options.sentence_gap_us), marks):
        _repair_sentence(words, sentence, marks, options)


def _opens_clause(words: Sequence[Word], sentence: Sentence, pos: int, marks: Marks) -> bool:
    if pos == 0:
        return True
    index = sentence.indices[pos]
    previous = sentence.indices[pos - 1]
    if (
        ends_clause(words[previous].text)
        or words[index].start_us - words[previous].end_us > 250_000
    ):
        return True
    return any(marks[k] is not None for k in range(previous + 1, index))


def _repair_sentence(
    words: Sequence[Word], sentence: Sentence, marks: Marks, options: CutOptions
) -> None:
    tokens = sentence.tokens
    pos = 0
    while pos < len(tokens):
        cut = _repair_at(words, sentence, pos, marks, options)
        if cut is None:
            pos += 1
            continue
        phrase = " ".join(tokens[pos:cut])
        _set(
            marks,
            sentence.indices[pos:cut],
            Mark(RemovalKind.FALSE_START, f"self-repair: “{phrase}” said again", 0.7),
        )
        pos = cut


def _repair_at(
    words: Sequence[Word], sentence: Sentence, pos: int, marks: Marks, options: CutOptions
) -> int | None:
    tokens = sentence.tokens
    if not _opens_clause(words, sentence, pos, marks):
        return None
    for n in (4, 3, 2):
        gram = tokens[pos : pos + n]
        if len(gram) < n:
            continue
        for gap in range(0, options.repair_window_words + 1):
            again = pos + n + gap
            if tuple(tokens[again : again + n]) == tuple(gram) and again + n < len(tokens):
                between = sentence.indices[pos:again]
                if not any(ends_sentence(words[i].text) for i in between[n - 1 :]):
                    return again
    return None


def mark_uncued_retakes(words: Sequence[Word], marks: Marks, options: CutOptions) -> None:
    """Keep the last of consecutive near-identical sentences (a retake without a cue).

    Near-identical means a high token similarity *and* shared content words, so parallel
    sentences ("A rough cut removes X. A rough cut keeps Y.") survive. The retake is compared
    with the whole next sentence and with its opening, since ASR often runs sentences together.
    """
    sentences = _live(split_sentences(words, options.sentence_gap_us), marks)
    for n, current in enumerate(sentences[:-1]):
        a = current.tokens
        if len(a) < 3:
            continue
        following = _tokens_after(sentences, n, len(a))
        best = _best_retake_score(a, following)
        between: Sentence | None = None
        if best < options.retake_similarity and n + 2 < len(sentences):
            # A short, cue-like sentence between two takes is a cue the ASR misheard
            # ("Oops, let me read you mad."): compare with the sentence after it.
            aside = sentences[n + 1].tokens
            if len(aside) <= _ASIDE_MAX_TOKENS and _sounds_like_a_cue(aside):
                after = _tokens_after(sentences, n + 1, len(a))
                best = _best_retake_score(a, after)
                between, following = sentences[n + 1], after
        if best < options.retake_similarity:
            continue
        _set(
            marks,
            current.indices,
            Mark(
                RemovalKind.RETAKE,
                f"retake: said again as “{' '.join(following[:6])}…”",
                min(0.9, 0.4 + best * 0.5),
            ),
        )
        if between is not None:
            text = " ".join(between.tokens)
            _set(
                marks,
                between.indices,
                Mark(RemovalKind.RETAKE_CUE, f"aside between two takes: “{text}”", 0.6),
            )


_ASIDE_MAX_TOKENS = 6


def _best_retake_score(take: Sequence[str], following: Sequence[str]) -> float:
    if len(following) < 3:
        return 0.0
    return max(_retake_score(take, b) for b in (following, following[: len(take)]))


def _tokens_after(sentences: Sequence[Sentence], n: int, wanted: int) -> tuple[str, ...]:
    """Tokens of the following sentence(s): stray one-word fragments do not end the search."""
    out: tuple[str, ...] = ()
    for sentence in sentences[n + 1 :]:
        out += sentence.tokens
        if len(sentence.tokens) > 1 and len(out) >= wanted:
            break
    return out


def _retake_score(a: Sequence[str], b: Sequence[str]) -> float:
    """Token similarity, or 0 when the content words differ too much (parallel sentences).

    Content words match when equal or spelled nearly alike ("minute"/"minutes",
    "bread"/"brand"): the ASR rarely writes a re-said sentence the same way twice.
    """
    ca, cb = content_words(a), content_words(b)
    if len(ca) < 3:
        return 0.0
    matched = matched_words(ca, cb)
    shared = matched / max(1, len(ca) + len(cb) - matched)
    covered = matched / max(1, len(ca))
    if not (shared >= 0.6 or (covered >= 0.8 and len(a) < len(b))):
        return 0.0
    ratio = _similar(a, b)
    return ratio if a[0] == b[0] or ratio >= 0.75 else 0.0
