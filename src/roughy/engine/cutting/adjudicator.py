"""Optional second opinion on ambiguous removals. Local rules are complete without it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark, Marks, Veto
from roughy.engine.cutting.passes import Pass
from roughy.engine.errors import AdjudicatorFailed
from roughy.engine.types import CancelCheck, EngineCancelled, EngineError, Word

_CONTEXT_WORDS = 25
"""Words of context on each side sent with a span: about one sentence either way."""


@dataclass(frozen=True)
class AdjudicationRequest:
    kind: str
    reason: str
    text: str
    before: str
    after: str
    confidence: float


class Adjudicator(Protocol):
    """Answers whether an ambiguous span should be removed. Raise EngineError when unsure."""

    def should_remove(self, request: AdjudicationRequest) -> bool: ...


ADJUDICATOR = "adjudicator"


def adjudicator_veto(adjudicator: Adjudicator, should_cancel: CancelCheck | None = None) -> Pass:
    """A veto pass: each run of same-mark words whose confidence is under
    `options.adjudicate_below` is put to the adjudicator; a "keep" vetoes it. A failing
    adjudicator leaves the local decision in place."""

    def run(ctx: Context, ledger: Ledger) -> None:
        for first, last, mark in _runs(ledger.marks()):
            if mark.confidence >= ctx.options.adjudicate_below:
                continue
            if should_cancel is not None and should_cancel():
                raise EngineCancelled("adjudication cancelled")
            try:
                remove = adjudicator.should_remove(_request(ctx.words, first, last, mark))
            except EngineError:
                continue
            if not remove:
                ledger.veto(Veto(tuple(range(first, last)), ADJUDICATOR, "the adjudicator kept it"))

    return Pass(ADJUDICATOR, run)


def _runs(marks: Marks) -> list[tuple[int, int, Mark]]:
    runs: list[tuple[int, int, Mark]] = []
    for i, mark in enumerate(marks):
        if mark is None:
            continue
        if runs and runs[-1][1] == i and runs[-1][2] is mark:
            runs[-1] = (runs[-1][0], i + 1, mark)
        else:
            runs.append((i, i + 1, mark))
    return runs


def _request(words: Sequence[Word], first: int, last: int, mark: Mark) -> AdjudicationRequest:
    def text(a: int, b: int) -> str:
        return " ".join(w.text for w in words[max(0, a) : max(0, b)])

    return AdjudicationRequest(
        kind=mark.kind.value,
        reason=mark.reason,
        text=text(first, last),
        before=text(first - _CONTEXT_WORDS, first),
        after=text(last, last + _CONTEXT_WORDS),
        confidence=mark.confidence,
    )


_SYSTEM = (
    "You review automatic rough cuts of spoken recordings. Given a span proposed for removal and "
    "its context, answer REMOVE if a careful editor would cut it (filler, false start, abandoned "
    "retake, off-topic aside) or KEEP if the speaker meant it. Answer with one word."
)


class ClaudeAdjudicator:
    """Anthropic Messages API over httpx. The key and model are passed in; nothing is read."""

    def __init__(
        self,
        api_key: str,
        *,
        model: str = "claude-sonnet-4-5",
        base_url: str = "https://api.anthropic.com",
        timeout_s: float = 30.0,
    ) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._api_key = api_key
        self.model = model

    def close(self) -> None:
        self._client.close()

    def should_remove(self, request: AdjudicationRequest) -> bool:
        prompt = (
            f"Proposed removal ({request.kind}: {request.reason}):\n«{request.text}»\n\n"
            f"Before: …{request.before}\nAfter: {request.after}…\n\nREMOVE or KEEP?"
        )
        body = {
            "model": self.model,
            "max_tokens": 5,
            "system": _SYSTEM,
            "messages": [{"role": "user", "content": prompt}],
        }
        headers = {"x-api-key": self._api_key, "anthropic-version": "2023-06-01"}
        try:
            response = self._client.post("/v1/messages", json=body, headers=headers)
            response.raise_for_status()
            answer = (
                "".join(part.get("text", "") for part in response.json().get("content", []))
                .strip()
                .upper()
            )
        except (httpx.HTTPError, ValueError) as exc:
            raise AdjudicatorFailed(f"adjudicator failed: {exc}") from exc
        if answer.startswith("REMOVE"):
            return True
        if answer.startswith("KEEP"):
            return False
        raise AdjudicatorFailed(f"adjudicator answered {answer[:40]!r}")
