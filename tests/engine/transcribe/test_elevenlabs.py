from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.analysis_fixtures import FakeServer, write_wav
from roughy.engine.transcribe import ElevenLabsTranscriber
from roughy.engine.types import EngineError

RESPONSE = {
    "language_code": "en",
    "text": "Hello (laughs) world",
    "words": [
        {"text": "Hello", "start": 0.12, "end": 0.5, "type": "word", "logprob": -0.1},
        {"text": " ", "start": 0.5, "end": 0.6, "type": "spacing"},
        {"text": "(laughs)", "start": 0.6, "end": 1.0, "type": "audio_event"},
        {"text": "world", "start": 1.1, "end": 1.45, "type": "word"},
    ],
}


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "a.wav", np.zeros(32_000, np.float32))


def test_posts_multipart_and_keeps_only_words(wav: Path) -> None:
    with FakeServer(200, RESPONSE) as server:
        transcript = ElevenLabsTranscriber("secret", base_url=server.url).transcribe(
            wav, language="en"
        )
    path, headers, body = server.requests[0]
    assert path == "/v1/speech-to-text"
    assert headers["xi-api-key"] == "secret"
    assert headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="model_id"' in body and b"scribe_v1" in body
    assert b'name="language_code"' in body
    assert b'filename="a.wav"' in body
    assert [(w.text, w.start_us, w.end_us) for w in transcript.words] == [
        ("Hello", 120_000, 500_000),
        ("world", 1_100_000, 1_450_000),
    ]
    assert transcript.language == "en"
    assert transcript.model == "elevenlabs:scribe_v1"
    assert transcript.duration_us == 2_000_000
    assert 0.85 < transcript.words[0].probability < 0.95


def test_http_errors_become_engine_errors(wav: Path) -> None:
    with FakeServer(401, {"detail": "bad key"}) as server, pytest.raises(EngineError) as info:
        ElevenLabsTranscriber("nope", base_url=server.url).transcribe(wav)
    assert info.value.code == "transcriber_failed"


def test_rejected_language_is_unsupported(wav: Path) -> None:
    body = {"detail": {"message": "language_code xx is not supported"}}
    with FakeServer(422, body) as server, pytest.raises(EngineError) as info:
        ElevenLabsTranscriber("k", base_url=server.url).transcribe(wav, language="xx")
    assert info.value.code == "unsupported_language"


def test_unreachable_server(wav: Path) -> None:
    with pytest.raises(EngineError) as info:
        ElevenLabsTranscriber("k", base_url="http://127.0.0.1:9", timeout_s=2).transcribe(wav)
    assert info.value.code == "transcriber_unavailable"


def test_key_is_required() -> None:
    with pytest.raises(EngineError):
        ElevenLabsTranscriber("")
