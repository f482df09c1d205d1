"""Shared by the /v1 cuts, renders, webhooks and e2e tests: spoken test media and assets seeded
straight into the database and storage (bypassing uploads)."""

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

REPO = Path(__file__).resolve().parents[2]
SPEECH = (
    "Hello and welcome to the show.",
    0.9,
    "Um,",
    0.7,
    "today we talk about rough cuts.",
)


def _espeak():  # type: ignore[no-untyped-def]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.corpus.synth import Espeak

    return Espeak.get()


def write_speech_wav(path: Path, parts: tuple[str | float, ...] = SPEECH) -> Path:
    """espeak-ng speech (strings are said, floats are pauses), 0.3 s of silence around it."""
    engine = _espeak()
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


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def talking_head_mp4(directory: Path) -> Path:
    """A 160x120 25 fps H.264 + AAC clip whose sound track is synthesized speech."""
    wav = write_speech_wav(directory / "speech.wav")
    out = directory / "talking-head.mp4"
    subprocess.run(
        [
            ffmpeg(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=25",
            "-i",
            str(wav),
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "25",
            "-c:a",
            "aac",
            "-ar",
            "48000",
            str(out),
        ],
        check=True,
    )
    return out


def speech_m4a(directory: Path) -> Path:
    wav = write_speech_wav(directory / "speech-a.wav")
    out = directory / "speech.m4a"
    subprocess.run(
        [
            ffmpeg(),
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(wav),
            "-c:a",
            "aac",
            "-ar",
            "48000",
            str(out),
        ],
        check=True,
    )
    return out


def make_silent_video(path: Path) -> Path:
    subprocess.run(
        [
            ffmpeg(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=mono",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path


@dataclass
class SeededAsset:
    id: str
    project_id: str
    user_id: str


async def seed_asset(
    runtime: Runtime,
    user_id: str,
    source: Path,
    *,
    state: str = "ready",
    project_id: str | None = None,
    with_analysis_audio: bool = True,
) -> SeededAsset:
    """A project (unless given) and an asset in `state`, with its bytes (and its prepared 16 kHz
    analysis audio) in storage, as assets.prepare would leave them."""
    info = probe(source)
    async with runtime.db.transaction() as session:
        if project_id is None:
            project = Project(id=new_id(), user_id=user_id, name="seeded", state="active")
            session.add(project)
            await session.flush()
            project_id = project.id
    asset_id = new_id()
    extension = source.suffix.lstrip(".")
    key = f"projects/{project_id}/assets/{asset_id}/source.{extension}"
    runtime.storage.put_file(key, source, move=False)
    analysis_key = None
    if with_analysis_audio:
        analysis_key = f"projects/{project_id}/assets/{asset_id}/analysis.wav"
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
                surface="v1",
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
    return SeededAsset(id=asset_id, project_id=project_id, user_id=user_id)
