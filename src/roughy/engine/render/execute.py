"""Running planned ffmpeg steps and checking what they produced.

Both render paths (the full re-encode in `run.py` and the smart render in `smart.py`) use these,
so neither imports the other.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from roughy.engine.errors import EngineCancelled, EngineError, RenderInvalid
from roughy.engine.ffmpeg import run_ffmpeg
from roughy.engine.probe import MediaInfo, probe
from roughy.engine.render.plan import FfmpegStep, RenderPlan
from roughy.engine.types import CancelCheck, MediaUnreadable, ProgressCallback


def execute(
    steps: tuple[FfmpegStep, ...],
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
    cleanup: list[Path],
    *,
    base: float = 0.0,
    span: float = 1.0,
    workers: int = 1,
) -> None:
    """Run steps (in order, or `workers` at a time), mapping their progress into
    [base, base + span]. The first failure stops the others and is raised."""
    total = sum(s.weight for s in steps) or 1.0
    done = [0.0] * len(steps)
    lock = threading.Lock()
    failed = threading.Event()

    def stop() -> bool:
        return failed.is_set() or (should_cancel is not None and should_cancel())

    def run(index: int) -> None:
        step = steps[index]

        def report(fraction: float) -> None:
            with lock:
                done[index] = step.weight * fraction
                if on_progress is not None:
                    on_progress(min(1.0, base + span * sum(done) / total))

        if stop():
            raise EngineCancelled("render cancelled")
        try:
            run_ffmpeg(
                list(step.argv),
                duration_us=step.output_duration_us,
                on_progress=report,
                should_cancel=stop,
                cleanup=cleanup,
            )
        except EngineError:
            failed.set()
            raise
        report(1.0)

    if workers <= 1 or len(steps) <= 1:
        for index in range(len(steps)):
            run(index)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        errors = [f.exception() for f in [pool.submit(run, i) for i in range(len(steps))]]
    raised = [e for e in errors if e is not None]
    cause = next((e for e in raised if not isinstance(e, EngineCancelled)), None)
    if cause is not None:
        raise cause
    if raised:
        raise raised[0]


def probe_output(path: Path) -> MediaInfo:
    """Probe a rendered file; `RenderInvalid` when it cannot be read back."""
    try:
        return probe(path)
    except MediaUnreadable as exc:
        raise RenderInvalid(f"render produced an unreadable file: {exc}") from exc


def frames_exact(plan: RenderPlan, out: MediaInfo, *, total_known: bool = False) -> bool:
    """The one frame-exactness rule: the output has the planned number of frames. Only when the
    source's frame total is an estimate (a VFR or oddly timed source, counted from its duration;
    not `total_known`) may a cut running to the source's end lose its last frame. True when
    there is nothing to count."""
    frames = out.video.frame_count if out.video else None
    if plan.frame_count is None or frames is None or frames == plan.frame_count:
        return True
    last = plan.segments[-1].frame_end if plan.segments else None
    return (
        not total_known and last == plan.source_frame_total and abs(frames - plan.frame_count) <= 1
    )
