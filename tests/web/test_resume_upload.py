"""A page reload in the middle of an upload: choosing the same file again continues from the
server's offset (same asset, first PATCH after the reload starts past zero)."""

from __future__ import annotations

import time
from pathlib import Path

from browser import Session, create_project, grant, sign_up

from media import write_speech_wav
from roughy.jobs import Runtime
from support import make_media

CHUNK = 5 * 1024 * 1024


def big_spoken_video(directory: Path) -> Path:
    """About 16 MB: a few 5 MiB tus chunks, so a reload lands between two of them."""
    wav = write_speech_wav(directory / "speech.wav")
    return make_media(
        directory / "long take.mp4",
        "-i", str(wav), "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
        "-shortest", "-map", "1:v", "-map", "0:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "40M", "-minrate", "40M",
        "-maxrate", "40M", "-bufsize", "8M", "-x264-params", "nal-hrd=cbr",
        "-c:a", "aac",
    )  # fmt: skip


async def test_reload_mid_upload_then_resume(
    web: Session, runtime: Runtime, tmp_path: Path
) -> None:
    page = web.page
    source = big_spoken_video(tmp_path)
    size = source.stat().st_size
    assert size > 2 * CHUNK, size
    email = f"resume-{time.time_ns()}@example.com"
    await sign_up(web, email)
    await grant(runtime, email, 30)
    await create_project(web, "Resumable")

    network = await web.context.new_cdp_session(page)
    await network.send("Network.enable")
    throttle = {"offline": False, "latency": 0, "downloadThroughput": -1}
    await network.send(
        "Network.emulateNetworkConditions", {**throttle, "uploadThroughput": 2_000_000}
    )
    await page.set_input_files("#file-input", str(source))
    record = await page.wait_for_function(
        "() => Object.values(JSON.parse(localStorage.getItem('roughy.uploads') || '{}'))[0]"
    )
    upload_url = (await record.json_value())["uploadUrl"]

    async def server_offset() -> int:
        return int(
            await page.evaluate(
                """async (url) => (await fetch(new URL(url).pathname, {method: 'HEAD',
                   headers: {'Tus-Resumable': '1.0.0'}})).headers.get('Upload-Offset')""",
                upload_url,
            )
        )

    deadline = time.monotonic() + 60
    while await server_offset() < CHUNK:
        assert time.monotonic() < deadline, "no chunk committed in time"
        await page.wait_for_timeout(200)
    await page.reload()
    stopped = page.locator("[data-interrupted]")
    await stopped.wait_for()
    await web.shot("11-upload-interrupted")
    offset = await server_offset()
    assert 0 < offset < size

    resumed_at: list[int] = []
    page.on(
        "request",
        lambda r: (
            resumed_at.append(int(r.headers["upload-offset"])) if r.method == "PATCH" else None
        ),
    )
    await page.set_input_files("#file-input", str(source))

    # the connection drops for two seconds: the client retries and carries on by itself
    deadline = time.monotonic() + 60
    while await server_offset() < offset + CHUNK:
        assert time.monotonic() < deadline, "no chunk committed after the resume"
        await page.wait_for_timeout(200)
    dropped: list[str] = []
    page.on("requestfailed", lambda r: dropped.append(r.method))
    offline = {**throttle, "offline": True, "uploadThroughput": -1}
    await network.send("Network.emulateNetworkConditions", offline)
    await page.wait_for_timeout(2000)
    await network.send("Network.emulateNetworkConditions", {**throttle, "uploadThroughput": -1})
    await page.locator("tr[data-state='ready']", has_text="long take.mp4").wait_for(timeout=120_000)
    await web.shot("12-upload-resumed")
    assert resumed_at and resumed_at[0] >= offset
    assert "PATCH" in dropped  # the drop did interrupt a transfer
    assert await page.locator("[data-upload][data-state='failed']").count() == 0
    assets = await page.evaluate("async () => (await (await fetch('/v1/assets')).json()).total")
    assert assets == 1
    assert web.foreign_hosts() == set()
