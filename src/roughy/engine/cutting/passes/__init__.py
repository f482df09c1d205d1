"""Decision passes: each proposes removals (or vetoes) with its evidence; `resolve` decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger


@dataclass(frozen=True)
class Pass:
    """A named rule. `run` reads the context and writes proposals or vetoes into the ledger."""

    name: str
    run: Callable[[Context, Ledger], None]
