"""Builders for the analysis-engine tests: word lists, synthetic voiced audio, spoken clips."""

from __future__ import annotations

import sys
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roughy.engine.audio import ANALYSIS_SAMPLE_RATE
from roughy.engine.cutting import AnalysisSignal, CutOptions
from roughy.engine.cutting.context import Context
from roughy.engine.cutting.resolve import Decision, resolve
from roughy.engine.cutting.text import split_sentences
from roughy.engine.languages import lexicon_for
from roughy.engine.types import Span, Transcript, Word
from support import make_media

REPO = Path(__file__).resolve().parents[2]
FloatArray = npt.NDArray[np.float32]


def words_at(spec: Sequence[tuple[str, float, float]]) -> tuple[Word, ...]:
    """Words from (text, start_s, end_s) triples."""
    return tuple(Word(t, round(a * 1e6), round(b * 1e6)) for t, a, b in spec)


def words_from_text(
    text: str,
    *,
    start: float = 0.5,
    word_s: float = 0.3,
    gap_s: float = 0.08,
    sentence_gap_s: float = 0.5,
) -> tuple[Word, ...]:
    """Lay words out evenly; a longer pause follows each sentence end."""
    out: list[Word] = []
    t = start
    for token in text.split():
        out.append(Word(token, round(t * 1e6), round((t + word_s) * 1e6)))
        t += word_s + (sentence_gap_s if token[-1] in ".?!" else gap_s)
    return tuple(out)


def voiced_audio(
    spans: Sequence[tuple[float, float]],
    duration_s: float,
    *,
    seed: int = 0,
    noise_db: float = -70.0,
) -> FloatArray:
    """Speech-like bursts (harmonic tone with syllable-rate envelope) at the given spans."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * ANALYSIS_SAMPLE_RATE)
    out = (rng.standard_normal(n) * 10 ** (noise_db / 20)).astype(np.float32)
    for a, b in spans:
        i, j = int(a * ANALYSIS_SAMPLE_RATE), int(b * ANALYSIS_SAMPLE_RATE)
        t = np.arange(j - i) / ANALYSIS_SAMPLE_RATE
        tone = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((150, 300, 450, 900), 1))
        envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
        out[i:j] += (0.15 * tone * envelope).astype(np.float32)
    return out


def signal_for(
    words: Sequence[Word], duration_s: float, *, extra: Sequence[tuple[float, float]] = ()
) -> AnalysisSignal:
    """Audio voiced exactly where the words are (plus `extra` spans); VAD = those spans."""
    spans = [(w.start_us / 1e6, w.end_us / 1e6) for w in words] + list(extra)
    samples = voiced_audio(spans, duration_s)
    speech = _merge([Span(round(a * 1e6), round(b * 1e6)) for a, b in sorted(spans)])
    return AnalysisSignal.from_samples(samples, speech=tuple(speech))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and span.start_us - out[-1].end_us < 100_000:
            out[-1] = Span(out[-1].start_us, max(out[-1].end_us, span.end_us))
        else:
            out.append(span)
    return out


def transcript_of(words: Sequence[Word], duration_s: float) -> Transcript:
    return Transcript("en", tuple(words), "test", round(duration_s * 1e6))


def write_wav(path: Path, samples: FloatArray, rate: int = ANALYSIS_SAMPLE_RATE) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def spoken(parts: Sequence[str | float], *, voice: str = "en-us") -> tuple[FloatArray, int]:
    """espeak-ng speech: strings are said, floats are pauses in seconds."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.corpus.synth import Espeak

    engine = Espeak.get()
    chunks: list[FloatArray] = []
    for part in parts:
        if isinstance(part, float):
            chunks.append(np.zeros(int(part * engine.sample_rate), np.float32))
        else:
            chunks.append(engine.say(part, voice=voice).samples)
    return np.concatenate(chunks) * 0.8, engine.sample_rate


def make_mp4(path: Path, wav: Path, seconds: float) -> Path:
    """A small H.264 + AAC file with `wav` as its sound track."""
    return make_media(
        path,
        "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=25:duration={seconds:.3f}",
        "-i", str(wav), "-shortest",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
    )  # fmt: skip


class FakeServer:
    """A real HTTP server on 127.0.0.1 answering every POST with a canned JSON body."""

    def __init__(self, status: int, body: object) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                payload = self.rfile.read(length)
                server.requests.append((self.path, dict(self.headers.items()), payload))
                raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def decision_for(
    words: Sequence[Word],
    options: CutOptions | None = None,
    *,
    held: Sequence[Span] = (),
    restarted: Sequence[Span] = (),
    script: str | None = None,
    language: str = "en",
) -> Decision:
    """The passes and the resolver on words alone (held/restarted islands given, no audio)."""
    options = options or CutOptions()
    lexicon = lexicon_for(language)
    end = max((w.end_us for w in words), default=0) + 500_000
    silent = AnalysisSignal.from_samples(
        np.zeros(end * ANALYSIS_SAMPLE_RATE // 1_000_000, np.float32), speech=()
    )
    context = Context(
        words=tuple(words),
        sentences=tuple(split_sentences(words, options.sentence_gap_us, lexicon)),
        signal=silent,
        held=tuple(held),
        restarted=tuple(restarted),
        lexicon=lexicon,
        options=options,
        script=script,
    )
    return resolve(context, [])
