from __future__ import annotations

from pathlib import Path

import pytest
import v1_seed


@pytest.fixture(scope="session")
def talking_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return v1_seed.talking_head_mp4(tmp_path_factory.mktemp("v1-media"))
