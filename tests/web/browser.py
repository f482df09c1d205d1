"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for the web app."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page

from roughy.auth import service as auth
from roughy.credits import service as credits
from roughy.jobs import Runtime

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PASSWORD = "correct horse battery"


class Session:
    """One browser context on Roughy: every request it makes is recorded, to check its hosts."""

    def __init__(self, context: BrowserContext, page: Page, base_url: str) -> None:
        self.context = context
        self.page = page
        self.base_url = base_url
        self.hosts: set[str] = set()
        self.page_errors: list[str] = []
        page.on("request", lambda request: self.hosts.add(urlsplit(request.url).netloc))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    async def shot(self, name: str, *, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    def foreign_hosts(self) -> set[str]:
        own = urlsplit(self.base_url).netloc
        return {h for h in self.hosts if h not in (own, "")}


async def sign_up(web: Session, email: str) -> None:
    page = web.page
    await page.goto("/")
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await web.shot("02-sign-up")
    await page.get_by_role("button", name="Sign up").click()
    await page.get_by_role("heading", name="Projects").wait_for()


async def create_project(web: Session, name: str) -> str:
    page = web.page
    await page.get_by_role("button", name="New project").click()
    await page.get_by_role("dialog").get_by_label("Name").fill(name)
    await page.get_by_role("dialog").get_by_role("button", name="Create").click()
    await page.get_by_role("heading", name=name).wait_for()
    return page.url.rsplit("/", 1)[-1]


async def grant(runtime: Runtime, email: str, amount: int) -> None:
    """What `roughy credits grant` does, straight on the database."""
    async with runtime.db.transaction() as session:
        user = await auth.require_user_by_email(session, email)
        await credits.grant(session, user.id, amount, memo="test")


async def fetch_json(web: Session, path: str) -> Any:
    """GET an API path from inside the page, with its session cookie."""
    return await web.page.evaluate(
        "async (path) => (await fetch(path, {credentials: 'same-origin'})).json()", path
    )
