"""Spoken test media, and assets seeded straight into the database and storage as
assets.prepare leaves them (bypassing uploads). Shared by the service-level test folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.analysis_fixtures import spoken, write_wav
from roughy.assets.models import Asset
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.probe import probe
from roughy.jobs import Runtime
from roughy.kit.ids import new_id
from roughy.projects.models import Project
from support import make_media

SPEECH: tuple[str | float, ...] = (
    "Hello and welcome to the show.",
    0.9,
    "Um,",
    0.7,
    "today we talk about rough cuts.",
)


def write_speech_wav(path: Path, parts: tuple[str | float, ...] = SPEECH) -> Path:
    """espeak-ng speech (strings are said, floats are pauses) with 0.3 s of silence around."""
    samples, rate = spoken([0.3, *parts, 0.3])
    return write_wav(path, samples, rate)


def talking_head(directory: Path, *, size: str = "160x120", loops: int = 1) -> Path:
    """H.264 + AAC, 25 fps, the speech track `loops` times over."""
    wav = write_speech_wav(directory / "speech.wav")
    out = directory / f"talking-head-{size}-{loops}.mp4"
    return make_media(
        out,
        "-stream_loop", str(loops - 1), "-i", str(wav),
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
        "-shortest", "-map", "1:v", "-map", "0:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
        "-c:a", "aac", "-ar", "48000",
    )  # fmt: skip


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
