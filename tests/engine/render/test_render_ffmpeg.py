"""The ffmpeg runner: locating the binary, failures, cancellation."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import pytest
from render_sources import Sources

from roughy.engine.ffmpeg import find_ffmpeg, run_ffmpeg
from roughy.engine.render import OutputSpec, render
from roughy.engine.types import EngineCancelled, EngineError


def test_find_ffmpeg_prefers_configured_then_path_then_bundled(
    monkeypatch: pytest.MonkeyPatch, ffmpeg_bin: Path
) -> None:
    assert find_ffmpeg(str(ffmpeg_bin)) == ffmpeg_bin
    with pytest.raises(EngineError) as err:
        find_ffmpeg("/nonexistent/ffmpeg")
    assert err.value.code == "ffmpeg_missing"
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/ffmpeg-on-path")
    assert find_ffmpeg(None) == Path("/usr/bin/ffmpeg-on-path")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert find_ffmpeg(None) == Path(imageio_ffmpeg.get_ffmpeg_exe())


def test_failure_raises_with_stderr_tail(ffmpeg_bin: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.mp4"
    partial = tmp_path / "partial.mp4"
    partial.write_bytes(b"x")
    with pytest.raises(EngineError) as err:
        run_ffmpeg(
            [str(ffmpeg_bin), "-i", str(missing), str(tmp_path / "o.mp4")], cleanup=[partial]
        )
    assert err.value.code == "ffmpeg_failed"
    assert "No such file" in err.value.message and "missing.mp4" in str(err.value)
    assert str(tmp_path) not in err.value.message
    assert not partial.exists()


def test_cancel_kills_ffmpeg_within_a_second_and_removes_output(
    ffmpeg_bin: Path, tmp_path: Path
) -> None:
    target = tmp_path / "endless.mp4"
    cancel = threading.Event()
    progress: list[float] = []
    argv = [
        str(ffmpeg_bin),
        "-y",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(target),
    ]
    timer = threading.Timer(1.5, cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(EngineCancelled):
        run_ffmpeg(
            argv,
            duration_us=10_000_000,
            on_progress=progress.append,
            should_cancel=cancel.is_set,
            cleanup=[target],
        )
    stopped = time.monotonic()
    assert stopped - started - 1.5 < 1.0
    assert progress and 0 < progress[-1] < 1
    assert not target.exists()


def test_render_cancelled_before_start_leaves_nothing(
    sources: Sources, ffmpeg_bin: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "x.mp4"
    with pytest.raises(EngineCancelled):
        render(
            sources.landscape,
            None,
            OutputSpec("mp4"),
            dest,
            ffmpeg=ffmpeg_bin,
            should_cancel=lambda: True,
        )
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("smart", [False, True])
def test_render_cancelled_while_running_removes_partial_output(
    sources: Sources, ffmpeg_bin: Path, tmp_path: Path, smart: bool
) -> None:
    calls = [0]

    def cancel_once_running() -> bool:
        # Call 1 is the check before ffmpeg starts, call 2 the first poll while it runs.
        calls[0] += 1
        return calls[0] >= 2

    dest = tmp_path / "out" / "x.mp4"
    with pytest.raises(EngineCancelled):
        render(
            sources.gop_source,
            None,
            OutputSpec("mp4"),
            dest,
            ffmpeg=ffmpeg_bin,
            should_cancel=cancel_once_running,
            smart=smart,
        )
    assert list(dest.parent.iterdir()) == []
