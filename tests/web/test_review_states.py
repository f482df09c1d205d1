"""The web app on states an upload alone rarely reaches: a cut with suggested removals to accept
or reject, an asset waiting for credits, and a failed asset with its reason."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

from browser import Session, create_project, fetch_json, sign_up
from sqlalchemy import update

from media import seed_asset, talking_head
from roughy.assets.models import Asset
from roughy.cuts.models import Cut
from roughy.engine.types import CutDocument, RemovalKind, RemovedSpan, Span, Word
from roughy.jobs import JobState, Runtime
from roughy.kit.clock import utcnow

SUGGESTION = RemovedSpan(
    3_000_000, 3_400_000, RemovalKind.FILLER, "maybe a filler “so”", 0.55, "fillers"
)


def engine_document(duration_us: int) -> CutDocument:
    words = (("Hello", 350, 700), ("and", 700, 900), ("welcome", 900, 1400), ("um", 2100, 2400),
             ("so", 3050, 3350), ("today", 3500, 3900), ("cuts", 4500, 5000))  # fmt: skip
    return CutDocument(
        source_duration_us=duration_us,
        kept=(Span(300_000, 2_000_000), Span(2_500_000, 5_500_000)),
        removed=(
            RemovedSpan(0, 300_000, RemovalKind.SILENCE, "leading silence", 0.99, "pauses"),
            RemovedSpan(
                2_000_000, 2_500_000, RemovalKind.FILLER, "filler word “um”", 0.95, "fillers"
            ),
            RemovedSpan(
                5_500_000, duration_us, RemovalKind.SILENCE, "trailing silence", 0.99, "pauses"
            ),
        ),
        suggested=(SUGGESTION,),
        words=tuple(Word(t, a * 1000, b * 1000) for t, a, b in words),
        language="en",
        frame_rate=Fraction(25),
    )


async def test_suggestions_waiting_and_failed_assets(
    web: Session, runtime: Runtime, tmp_path: Path
) -> None:
    page = web.page
    await sign_up(web, f"states-{time.time_ns()}@example.com")
    user_id = (await fetch_json(web, "/v1/users/me"))["id"]
    source = talking_head(tmp_path)
    ready = await seed_asset(runtime, user_id, source)
    waiting = await seed_asset(
        runtime, user_id, source, state="pending_payment", project_id=ready.project_id
    )
    broken = await seed_asset(runtime, user_id, source, state="failed", project_id=ready.project_id)
    now = utcnow()
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Asset)
            .where(Asset.id == broken.id)
            .values(error_code="media_unreadable", error_message="The file has no audio stream.")
        )
        session.add(
            Cut(
                user_id=user_id,
                project_id=ready.project_id,
                asset_id=ready.id,
                script=None,
                script_key="",
                state=JobState.COMPLETED,
                progress=1.0,
                document=engine_document(ready.duration_us).to_dict(),
                started_at=now,
                completed_at=now,
            )
        )

    await page.goto(f"/#/projects/{ready.project_id}")
    await page.locator(f"tr[data-asset='{waiting.id}']", has_text="waiting for credits").wait_for()
    await page.locator(f"tr[data-asset='{broken.id}']", has_text="has no audio stream").wait_for()
    await web.shot("13-asset-states")
    await page.get_by_role("button", name="Rename project seeded").click()
    await page.get_by_role("dialog").get_by_label("Name").fill("Interviews")
    await page.get_by_role("dialog").get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Interviews").wait_for()

    await page.goto(f"/#/review/{ready.id}")
    kept = page.locator("#kept-duration")
    await kept.get_by_text("0:04.7").wait_for()
    await page.locator("#decision").click(position={"x": 4, "y": 4})
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    assert "(suggested)" in (await page.locator("#decision").text_content() or "")
    status = page.locator("#decision-status")
    assert await status.text_content() == "Suggested: not decided yet"
    await page.keyboard.press("a")
    assert await status.text_content() == "Suggestion accepted: removed"
    assert await kept.text_content() == "0:04.3"
    await page.keyboard.press("r")
    assert await status.text_content() == "Suggestion rejected: kept"
    assert await kept.text_content() == "0:04.7"
    await web.shot("14-review-suggestion")
    await page.locator("#accept-suggestion").click()
    assert await kept.text_content() == "0:04.3"
    await page.locator("#save-cut").click()
    await page.locator("#save-state", has_text="Edited cut saved").wait_for()

    cuts = await fetch_json(web, f"/v1/cuts?asset_id={ready.id}")
    edited = await fetch_json(
        web, f"/v1/cuts/{next(c['id'] for c in cuts['items'] if c['base_cut_id'])}"
    )
    assert edited["edits"] == [{"start": "3.000000", "end": "3.400000", "action": "remove"}]
    assert edited["suggested_spans"] == []
    accepted = [s for s in edited["removed_spans"] if s["start"] == "3.000000"]
    assert accepted == [
        {"start": "3.000000", "end": "3.400000", "kind": "filler", "reason": SUGGESTION.reason,
         "confidence": 0.55, "pass": "fillers"}
    ]  # fmt: skip

    await page.get_by_role("link", name="Projects").first.click()
    await create_project(web, "Scratch")
    await page.get_by_role("button", name="Delete project Scratch").click()
    await page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await page.locator("main table a", has_text="Interviews").wait_for()
    names = await page.locator("main table a").all_text_contents()
    assert names == ["Interviews"]
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in to Roughy").wait_for()
    assert web.foreign_hosts() == set() and web.page_errors == []
