"""Fixtures of the browser tests: one headless Chromium per run, one context per test."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, Session
from playwright.async_api import Browser, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "billing"))

from billing_helpers import billing  # noqa: F401  (the fake Stripe, for the billing screens)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def web(browser: Browser, base_url: str) -> AsyncIterator[Session]:
    context = await browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 900}, base_url=base_url
    )
    page = await context.new_page()
    page.set_default_timeout(30_000)
    yield Session(context, page, base_url)
    await context.close()
