"""The web app in a real headless Chromium: sign up, project, upload, cut, review (listen, toggle),
save an edited cut, render it and download it; every screen photographed into test-artifacts/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from browser import ARTIFACTS, Session, create_project, fetch_json, grant, sign_up

from media import talking_head
from roughy.engine.probe import probe
from roughy.jobs import Runtime

FRAME = 1 / 25


async def test_upload_review_edit_render_and_download(
    web: Session, runtime: Runtime, tmp_path: Path
) -> None:
    page = web.page
    clip = tmp_path / "My interview.mp4"
    shutil.copy(talking_head(tmp_path), clip)
    email = f"web-{time.time_ns()}@example.com"

    await page.goto("/")
    await page.get_by_role("heading", name="Sign in to Roughy").wait_for()
    await web.shot("01-sign-in")
    await sign_up(web, email)
    await web.shot("03-projects-empty")
    await create_project(web, "Episode 1")

    # no credits yet: the upload is refused with a message that says why
    await page.set_input_files("#file-input", str(clip))
    refusal = page.get_by_role("alert").filter(has_text="credit balance is empty")
    await refusal.wait_for()
    await web.shot("04-upload-refused-402")
    await grant(runtime, email, 30)
    notes = tmp_path / "notes.mp3"
    notes.write_text("These are my notes for the episode, not a recording at all.\n" * 4)
    await page.set_input_files("#file-input", str(notes))
    await page.locator("[data-upload]", has_text="not audio or video").wait_for()
    await web.shot("04b-upload-not-media")

    await page.set_input_files("#file-input", str(clip))
    row = page.locator("tr[data-state='ready']", has_text="My interview.mp4")
    await row.wait_for(timeout=120_000)
    await web.shot("05-project-ready")
    await page.set_viewport_size({"width": 375, "height": 812})
    await web.shot("05b-project-375px")
    await page.set_viewport_size({"width": 1280, "height": 900})

    await row.get_by_role("link", name="Review My interview.mp4").click()
    await page.locator("#make-cut").click()
    await page.locator("#transcript .w").first.wait_for(timeout=240_000)
    await web.shot("06-review")

    # listen to the first decision as it will sound, then toggle two decisions
    status = page.locator("#play-status")
    await page.locator("#play-cut").click()
    await page.locator("#play-status[data-state='finished']").wait_for(timeout=30_000)
    assert "as cut" in (await status.text_content() or "")
    before = await page.locator("#kept-duration").text_content()
    await page.locator("#decision").click(position={"x": 4, "y": 4})  # keys go to the page
    await page.keyboard.press("x")
    await page.keyboard.press("j")
    await page.keyboard.press("x")
    assert await page.locator("#kept-duration").text_content() != before

    # a word range: select the last two words, remove them, undo, remove them again
    kept = page.locator("#kept-duration")
    both_kept = await kept.text_content()
    words = page.locator("#transcript .w")
    await words.nth(-2).click()
    await words.nth(-1).click(modifiers=["Shift"])
    await page.keyboard.press("t")
    assert await words.nth(-1).get_attribute("class") == "w removed selected"
    words_removed = await kept.text_content()
    assert words_removed != both_kept
    await page.keyboard.press("u")
    assert await kept.text_content() == both_kept
    await page.keyboard.press("t")
    assert await kept.text_content() == words_removed
    await web.shot("07-review-edited")
    await page.set_viewport_size({"width": 375, "height": 812})
    await web.shot("07b-review-375px")
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.locator("#save-cut").click()
    await page.locator("#save-state", has_text="Edited cut saved").wait_for()
    asset_id = page.url.rsplit("/", 1)[-1]
    cuts = await fetch_json(web, f"/v1/cuts?asset_id={asset_id}")
    edited_id = next(c["id"] for c in cuts["items"] if c["base_cut_id"])
    edited = await fetch_json(web, f"/v1/cuts/{edited_id}")
    assert len(edited["edits"]) == 3
    assert [e["action"] for e in edited["edits"]][-1] == "remove"
    shown = (await page.locator("#kept-duration").text_content() or "").split(":")
    assert abs(int(shown[0]) * 60 + float(shown[1]) - float(edited["kept_duration_seconds"])) < 0.1

    await page.locator("#render-format").select_option("mp4")
    await page.locator("#render").click()
    await page.locator("#render-status[data-state='completed']").wait_for(timeout=240_000)
    await web.shot("08-rendered")
    async with page.expect_download() as waiting:
        await page.locator("#download-render").click()
    download = await waiting.value
    assert download.suggested_filename == "My interview-cut.mp4"
    rendered = tmp_path / "rendered.mp4"
    await download.save_as(rendered)
    duration = probe(rendered).duration_us / 1e6
    assert abs(duration - float(edited["kept_duration_seconds"])) <= FRAME + 1e-3

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Final Cut Pro (FCPXML)").click()
    assert (await waiting.value).suggested_filename == "My interview.fcpxml"
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Captions (SRT)").click()
    assert (await waiting.value).suggested_filename == "My interview.srt"

    await page.get_by_role("link", name="Account").click()
    await page.get_by_label("New key name").fill("laptop")
    await page.get_by_role("button", name="Create key").click()
    await page.locator("#new-key").wait_for()
    assert (await page.locator("#new-key").text_content() or "").startswith("rk_")
    await page.locator("#balance").wait_for()
    await web.shot("09-account")

    await page.goto("/v1/docs")
    await page.locator(".swagger-ui .info .title").wait_for()
    await web.shot("10-api-docs", full_page=False)

    assert web.foreign_hosts() == set(), web.foreign_hosts()
    assert web.page_errors == []
    assert (ARTIFACTS / "07-review-edited.png").is_file()
