"""Words as tokens: one normalisation for every rule that compares what was said."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^\w']+")


def normalize_token(text: str) -> str:
    """Lower case, punctuation and hyphens gone, apostrophes kept inside ("let's")."""
    return _NOT_WORD.sub("", text.lower()).strip("'")
