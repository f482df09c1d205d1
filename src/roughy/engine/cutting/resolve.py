"""The one place that decides: run the passes, apply the vetoes, split sure from unsure."""

from __future__ import annotations

from dataclasses import dataclass

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark, Marks
from roughy.engine.cutting.passes import Pass
from roughy.engine.cutting.passes.acoustic import ACOUSTIC_RESTARTS, propose_acoustic_restarts
from roughy.engine.cutting.passes.fillers import (
    FILLERS,
    HELD_HESITATIONS,
    propose_fillers,
    propose_held_hesitations,
)
from roughy.engine.cutting.passes.repairs import (
    FALSE_STARTS,
    SELF_REPAIRS,
    propose_false_starts,
    propose_self_repairs,
)
from roughy.engine.cutting.passes.retakes import (
    CUED_RETAKES,
    UNCUED_RETAKES,
    propose_cued_retakes,
    propose_uncued_retakes,
)
from roughy.engine.cutting.passes.script import SCRIPT_TAKES, propose_script
from roughy.engine.cutting.passes.stutters import (
    HEARD_STUTTERS,
    STUTTERS,
    propose_heard_stutters,
    propose_stutters,
)
from roughy.engine.cutting.passes.vetoes import (
    COLLAPSED,
    ORPHAN,
    PARALLEL,
    QUESTION,
    RESTATEMENT,
    SPEAKER,
    veto_collapsed_stamps,
    veto_orphan_asides,
    veto_other_speaker,
    veto_parallel,
    veto_question,
    veto_restatement,
)

VETOES = (
    Pass(PARALLEL, veto_parallel),
    Pass(RESTATEMENT, veto_restatement),
    Pass(QUESTION, veto_question),
    Pass(SPEAKER, veto_other_speaker),
    Pass(ORPHAN, veto_orphan_asides),
    Pass(COLLAPSED, veto_collapsed_stamps),
)
"""Legitimate repetition an editor keeps (see `passes.vetoes`)."""


@dataclass(frozen=True)
class Decision:
    """Per word: the removal decided (`removed`) or only proposed to a reviewer (`suggested`)."""

    removed: Marks
    suggested: Marks


def passes_for(ctx: Context) -> list[Pass]:
    """The proposing passes in the order they run (an earlier pass has priority on a word).

    Keeping the last take is what the uncued-retake pass does, so with the default
    `script_take="last"` it runs before the script (it copes better with misheard takes); with
    "best" the script chooses between takes and the pass only looks at what the script kept.
    """
    options = ctx.options
    fillers = [Pass(FILLERS, propose_fillers)] if options.remove_fillers else []
    stutters = (
        [Pass(STUTTERS, propose_stutters), Pass(HEARD_STUTTERS, propose_heard_stutters)]
        if options.remove_stutters
        else []
    )
    cued = [Pass(CUED_RETAKES, propose_cued_retakes)] if options.remove_retakes else []
    uncued = [Pass(UNCUED_RETAKES, propose_uncued_retakes)] if options.remove_retakes else []
    repairs = (
        [Pass(SELF_REPAIRS, propose_self_repairs), Pass(FALSE_STARTS, propose_false_starts)]
        if options.remove_false_starts
        else []
    )
    script = [Pass(SCRIPT_TAKES, propose_script)] if ctx.script else []
    held = [Pass(HELD_HESITATIONS, propose_held_hesitations)] if options.remove_fillers else []
    restarts = (
        [Pass(ACOUSTIC_RESTARTS, propose_acoustic_restarts)] if options.remove_false_starts else []
    )
    if ctx.script and options.script_take == "best":
        text = fillers + stutters + repairs + cued + script + uncued
    else:
        text = fillers + cued + stutters + uncued + repairs + script
    return text + held + restarts


def resolve(ctx: Context, vetoes: list[Pass]) -> Decision:
    """Run every pass, then the built-in vetoes and `vetoes`; a word is removed by its first
    standing claim that is sure enough (`options.remove_at`), else suggested by its first."""
    ledger = Ledger(len(ctx.words))
    for p in passes_for(ctx):
        p.run(ctx, ledger)
    for veto in (*VETOES, *vetoes):
        veto.run(ctx, ledger)
    removed: Marks = [None] * len(ledger)
    suggested: Marks = [None] * len(ledger)
    for i in range(len(ledger)):
        standing = ledger.standing(i)
        sure = _first_sure(standing, ctx.options.remove_at)
        if sure is not None:
            removed[i] = sure
        elif standing:
            suggested[i] = standing[0]
    return Decision(removed, suggested)


def _first_sure(marks: list[Mark], threshold: float) -> Mark | None:
    return next((m for m in marks if m.confidence >= threshold), None)
