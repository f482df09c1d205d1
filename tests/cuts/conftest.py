from __future__ import annotations

import sys
from pathlib import Path

import pytest
import v1_seed

# Share the upload helpers (tests/uploads/tuskit.py) with the cut tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uploads"))


@pytest.fixture(scope="session")
def talking_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return v1_seed.talking_head_mp4(tmp_path_factory.mktemp("v1-media"))
