"""What a decision pass proposes, and the ledger where every proposal is written down.

A pass never edits another pass's decision: it proposes removals (`Mark`s on word indices) in the
`Ledger`, and vetoes are proposals of their own. `resolve.resolve` alone decides what is cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from roughy.engine.types import RemovalKind

Evidence = Literal["text", "acoustic", "timing", "script"]


@dataclass(frozen=True)
class Mark:
    """One pass's proposal to remove a word: what kind of removal, why, how sure, on what
    evidence. `confidence` is the share of such proposals that were right on the tuning corpus
    (see each pass's constants)."""

    kind: RemovalKind
    reason: str
    confidence: float
    pass_name: str
    evidence: Evidence = "text"
    echo: tuple[int, ...] = ()
    """For a repetition: the words that say it again (what the vetoes compare it with)."""


Marks = list[Mark | None]


@dataclass(frozen=True)
class Veto:
    """A pass's objection: the words at `indices` must stay, whatever removal of `kinds` (all
    kinds when empty) was proposed for them."""

    indices: tuple[int, ...]
    pass_name: str
    reason: str
    kinds: frozenset[RemovalKind] = frozenset()

    def covers(self, mark: Mark) -> bool:
        return not self.kinds or mark.kind in self.kinds


class Ledger:
    """Every proposal, per word, in the order the passes ran.

    A pass sees a word another pass already proposed to remove surely enough to be cut as gone
    (`claimed`): fillers are out of the way before stutters are looked for, a retake's words are
    not a false start again; a word only suggested stays in view of the passes that follow.
    """

    def __init__(self, size: int) -> None:
        self._claims: list[list[Mark]] = [[] for _ in range(size)]
        self._vetoes: list[list[Veto]] = [[] for _ in range(size)]

    def __len__(self) -> int:
        return len(self._claims)

    def propose(self, indices: Iterable[int], mark: Mark) -> None:
        for i in indices:
            self._claims[i].append(mark)

    def veto(self, veto: Veto) -> None:
        for i in veto.indices:
            self._vetoes[i].append(veto)

    def claimed(self, index: int, at_least: float = 0.0) -> bool:
        """Some pass proposed to remove the word, at least this confidently."""
        return any(m.confidence >= at_least for m in self._claims[index])

    def first(self, index: int) -> Mark | None:
        return self._claims[index][0] if self._claims[index] else None

    def claims(self, index: int) -> list[Mark]:
        """Every claim on a word, vetoed or not, in pass order."""
        return list(self._claims[index])

    def standing(self, index: int) -> list[Mark]:
        """The claims on a word that no veto covers, in pass order."""
        vetoes = self._vetoes[index]
        return [m for m in self._claims[index] if not any(v.covers(m) for v in vetoes)]

    def marks(self) -> Marks:
        """The first claim on each word (what the passes that follow see)."""
        return [self.first(i) for i in range(len(self._claims))]
