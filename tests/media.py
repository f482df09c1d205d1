"""Spoken test media, and assets seeded straight into the database and storage as
assets.prepare leaves them (bypassing uploads). Shared by the service-level test folders."""

from __future__ import annotations

import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roughy.assets.models import Asset
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.probe import probe
from roughy.jobs import Runtime
from roughy.kit.ids import new_id
from roughy.projects.models import Project
from support import ffmpeg_exe

REPO = Path(__file__).resolve().parents[1]
SPEECH: tuple[str | float, ...] = (
    "Hello and welcome to the show.",
    0.9,
    "Um,",
    0.7,
    "today we talk about rough cuts.",
)


def write_speech_wav(path: Path, parts: tuple[str | float, ...] = SPEECH) -> Path:
    """espeak-ng speech (strings are said, floats are pauses) with 0.3 s of silence around."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.corpus.synth import Espeak

    engine = Espeak.get()
    rate = engine.sample_rate
    chunks = [np.zeros(int(0.3 * rate), np.float32)]
    for part in parts:
        if isinstance(part, float):
            chunks.append(np.zeros(int(part * rate), np.float32))
        else:
            chunks.append(engine.say(part).samples)
    chunks.append(np.zeros(int(0.3 * rate), np.float32))
    samples = np.concatenate(chunks) * 0.8
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True)


def talking_head(directory: Path, *, size: str = "160x120", loops: int = 1) -> Path:
    """H.264 + AAC, 25 fps, the speech track `loops` times over."""
    wav = write_speech_wav(directory / "speech.wav")
    out = directory / f"talking-head-{size}-{loops}.mp4"
    run_ffmpeg(
        "-stream_loop", str(loops - 1), "-i", str(wav),
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
        "-shortest", "-map", "1:v", "-map", "0:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
        "-c:a", "aac", "-ar", "48000", str(out),
    )  # fmt: skip
    return out


@dataclass
class SeededAsset:
    id: str
    project_id: str
    user_id: str
    storage_key: str
    analysis_key: str | None
    duration_us: int


async def seed_asset(
    runtime: Runtime,
    user_id: str,
    source: Path,
    *,
    state: str = "ready",
    project_id: str | None = None,
    with_analysis_audio: bool = True,
    surface: str = "v1",
) -> SeededAsset:
    """A project (unless given) and an asset in `state`, with its bytes (and its prepared 16 kHz
    analysis audio) in storage."""
    info = probe(source)
    async with runtime.db.transaction() as session:
        if project_id is None:
            project = Project(id=new_id(), user_id=user_id, name="seeded", state="active")
            session.add(project)
            await session.flush()
            project_id = project.id
    asset_id = new_id()
    extension = source.suffix.lstrip(".")
    prefix = f"projects/{project_id}/assets/{asset_id}"
    key = f"{prefix}/source.{extension}"
    runtime.storage.put_file(key, source, move=False)
    analysis_key = None
    if with_analysis_audio:
        analysis_key = f"{prefix}/analysis.wav"
        wav = source.with_name(f"{asset_id}.wav")
        extract_analysis_audio(source, wav)
        runtime.storage.put_file(analysis_key, wav, move=True)
    video = info.video
    media_info = {
        "format_name": info.format_name,
        "duration_us": info.duration_us,
        "video": None
        if video is None
        else {
            "width": video.display_width,
            "height": video.display_height,
            "frame_rate": str(video.frame_rate) if video.frame_rate else None,
        },
        "audio": None if info.audio is None else {"sample_rate": info.audio.sample_rate},
    }
    async with runtime.db.transaction() as session:
        session.add(
            Asset(
                id=asset_id,
                user_id=user_id,
                project_id=project_id,
                origin="upload",
                surface=surface,
                type="video" if video else "audio",
                state=state,
                extension=extension,
                content_type="video/mp4" if video else "audio/mp4",
                filename=source.name,
                size_bytes=source.stat().st_size,
                duration_us=info.duration_us,
                media_info=media_info,
                storage_key=key,
                analysis_audio_key=analysis_key,
            )
        )
    return SeededAsset(asset_id, project_id, user_id, key, analysis_key, info.duration_us)
