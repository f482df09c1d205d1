"""False starts heard in the audio: a short island said again, sound for sound, right after."""

from __future__ import annotations

from roughy.engine.cutting.context import Context
from roughy.engine.cutting.marks import Ledger, Mark
from roughy.engine.tokens import normalize_token
from roughy.engine.transcribe.guards import WordsByCentre
from roughy.engine.types import RemovalKind

ACOUSTIC_RESTARTS = "acoustic_restarts"

RESTART_CONFIDENCE = 0.6
"""Cepstral similarity alone: a voice repeating a sound is not always abandoning it. On the
tuning corpus 61 % of the speech these proposals took was unwanted: suggested only."""


def propose_acoustic_restarts(ctx: Context, ledger: Ledger) -> None:
    """Words on a restarted island are a false start, unless they are words the language
    doubles on purpose ("no, no", "very, very")."""
    words = ctx.words
    by_centre = WordsByCentre(words)
    for island in ctx.restarted:
        inside = by_centre.inside(island)
        tokens = [normalize_token(words[i].text) for i in inside]
        if tokens and all(t in ctx.lexicon.deliberate_doubles or not t for t in tokens):
            continue
        text = " ".join(words[i].text.strip(",.") for i in inside) or "untranscribed"
        reason = f"false start “{text}” said again right after (heard in the audio)"
        mark = Mark(
            RemovalKind.FALSE_START, reason, RESTART_CONFIDENCE, ACOUSTIC_RESTARTS, "acoustic"
        )
        ledger.propose(inside, mark)
