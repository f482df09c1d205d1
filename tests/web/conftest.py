"""Fixtures of the browser tests: one headless Chromium per run, one context per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from browser import ARGS, CHROMIUM, Session
from playwright.async_api import Browser, async_playwright


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
