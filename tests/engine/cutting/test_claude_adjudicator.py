from __future__ import annotations

import json

import pytest

from engine.analysis_fixtures import FakeServer
from roughy.engine.cutting import AdjudicationRequest, ClaudeAdjudicator
from roughy.engine.types import EngineError

REQUEST = AdjudicationRequest(
    kind="retake",
    reason="said again",
    text="The bridge was closed.",
    before="Welcome back.",
    after="The old bridge was closed.",
    confidence=0.5,
)


def answer(text: str) -> dict[str, object]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
    }


def test_remove_answer_and_request_shape() -> None:
    with FakeServer(200, answer("REMOVE")) as server:
        judge = ClaudeAdjudicator("k-123", model="claude-test", base_url=server.url)
        assert judge.should_remove(REQUEST) is True
        judge.close()
    path, headers, raw = server.requests[0]
    body = json.loads(raw)
    assert path == "/v1/messages"
    assert headers["x-api-key"] == "k-123"
    assert headers["anthropic-version"] == "2023-06-01"
    assert body["model"] == "claude-test"
    assert "The bridge was closed." in body["messages"][0]["content"]


def test_keep_answer() -> None:
    with FakeServer(200, answer("Keep")) as server:
        assert ClaudeAdjudicator("k", base_url=server.url).should_remove(REQUEST) is False


@pytest.mark.parametrize(("status", "body"), [(500, {"error": "x"}), (200, answer("maybe"))])
def test_failures_raise_engine_error(status: int, body: object) -> None:
    with FakeServer(status, body) as server, pytest.raises(EngineError) as info:
        ClaudeAdjudicator("k", base_url=server.url).should_remove(REQUEST)
    assert info.value.code == "adjudicator_failed"
