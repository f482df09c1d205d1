from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_media import long_video, talking_head


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pipeline-media")


@pytest.fixture(scope="session")
def speech_clip(media_dir: Path) -> Path:
    return talking_head(media_dir)


@pytest.fixture(scope="session")
def long_clip(media_dir: Path) -> Path:
    return long_video(media_dir)
