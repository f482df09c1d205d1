from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cuts"))

import v1_seed

from support import make_media


@pytest.fixture(scope="session")
def talking_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return v1_seed.talking_head_mp4(tmp_path_factory.mktemp("v1-media"))


@pytest.fixture(scope="session")
def speech_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return v1_seed.speech_m4a(tmp_path_factory.mktemp("v1-audio"))


@pytest.fixture(scope="session")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three minutes of MPEG-4 Part 2 video: every render of it is a full H.264 re-encode."""
    return make_media(
        tmp_path_factory.mktemp("v1-long") / "long.mp4",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=180",
        "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=180",
        "-c:v", "mpeg4", "-q:v", "5", "-c:a", "aac", "-shortest",
    )  # fmt: skip
