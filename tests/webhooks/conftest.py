from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook_receiver import Receiver, start_receiver

from roughy.webhooks import delivery


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    live = start_receiver()
    yield live
    live.close()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds instead of hours between attempts (the server runs in this process)."""
    monkeypatch.setattr(delivery, "RETRY_BASE_SECONDS", 0.2)
    monkeypatch.setattr(delivery, "RETRY_FACTOR", 1.5)
