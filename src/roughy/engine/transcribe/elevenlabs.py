"""ElevenLabs speech-to-text (Scribe) backend over httpx. Used only when a key is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from roughy.engine.audio import ANALYSIS_SAMPLE_RATE, open_analysis_audio
from roughy.engine.errors import TranscriberFailed, TranscriberUnavailable, UnsupportedLanguage
from roughy.engine.transcribe.base import Transcriber, Watch
from roughy.engine.types import Transcript, Word

DEFAULT_BASE_URL = "https://api.elevenlabs.io"


class ElevenLabsTranscriber(Transcriber):
    """POST /v1/speech-to-text with `model_id` (scribe_v1) and word timestamps."""

    def __init__(
        self,
        api_key: str,
        *,
        model_id: str = "scribe_v1",
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 600.0,
    ) -> None:
        if not api_key:
            raise TranscriberUnavailable("an ElevenLabs API key is required")
        self._api_key = api_key
        self.model_id = model_id
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def run(self, audio_path: Path, language: str | None, watch: Watch) -> Transcript:
        duration_us = open_analysis_audio(audio_path).shape[0] * 1_000_000 // ANALYSIS_SAMPLE_RATE
        data = {
            "model_id": self.model_id,
            "timestamps_granularity": "word",
            "tag_audio_events": "true",
        }
        if language:
            data["language_code"] = language
        payload = self._post(audio_path, data)
        words = tuple(parse_words(payload.get("words", [])))
        detected = str(payload.get("language_code") or language or "")
        return Transcript(detected, words, f"elevenlabs:{self.model_id}", duration_us)

    def _post(self, audio_path: Path, data: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}/v1/speech-to-text"
        try:
            with audio_path.open("rb") as fh, httpx.Client(timeout=self.timeout_s) as client:
                response = client.post(
                    url,
                    headers={"xi-api-key": self._api_key},
                    data=data,
                    files={"file": (audio_path.name, fh, "audio/wav")},
                )
        except httpx.HTTPError as exc:
            raise TranscriberUnavailable(f"ElevenLabs request failed: {exc}") from exc
        if response.status_code in (400, 422) and "language" in response.text.lower():
            raise UnsupportedLanguage("ElevenLabs rejected the language")
        if response.status_code >= 400:
            raise TranscriberFailed(
                f"ElevenLabs answered {response.status_code}: {response.text[:200]}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise TranscriberFailed("ElevenLabs returned invalid JSON") from exc
        if not isinstance(body, dict):
            raise TranscriberFailed("ElevenLabs returned an unexpected body")
        return body


def parse_words(items: list[dict[str, Any]]) -> list[Word]:
    """Keep `type == "word"` items (spacing and audio events are not words)."""
    words: list[Word] = []
    for item in items:
        if item.get("type", "word") != "word":
            continue
        text = str(item.get("text", "")).strip()
        if not text:
            continue
        start = int(round(float(item["start"]) * 1_000_000))
        end = max(start + 1, int(round(float(item["end"]) * 1_000_000)))
        logprob = item.get("logprob")
        probability = 1.0 if logprob is None else float(min(1.0, 2.718281828 ** float(logprob)))
        words.append(Word(text, start, end, probability))
    return words
