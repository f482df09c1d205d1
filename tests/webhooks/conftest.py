from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from roughy.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook_receiver import Receiver, start_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    live = start_receiver()
    yield live
    live.close()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Seconds instead of hours between attempts (the server shares this settings object)."""
    monkeypatch.setattr(settings, "webhook_retry_base_seconds", 0.2)
    monkeypatch.setattr(settings, "webhook_retry_factor", 1.5)
