"""Browser fixtures: Debian's Chromium driven by Playwright (no browser is downloaded), a fresh
browser context per page, and a screenshot of every page a failed test had open.

The API, worker and agent come from the end-to-end fixtures (tests/e2e/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

import ui
from tests.e2e.conftest import api_url, central_worker, database, running  # noqa: F401

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NewPage = Callable[..., Awaitable[Page]]

expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, so fixtures can tell that it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed: run the tests through scripts/test.sh, "
            "which installs it (apt-get install chromium)",
            pytrace=False,
        )
    if not (ui.DIST_DIR / "index.html").is_file():
        pytest.fail(f"the console is not built: run {ui.BUILD_COMMAND}", pytrace=False)
    return path


@pytest.fixture(scope="session")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """One Chromium for the session (each page gets its own context: fresh cookies, storage)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


@pytest.fixture
async def new_page(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[NewPage]:
    """Open pages in fresh contexts; if the test fails, each is saved as a screenshot in its
    tmp dir. A page fails the test on a Content-Security-Policy violation."""
    pages: list[Page] = []
    violations: list[str] = []

    async def open_page(*, viewport: dict[str, int] = DESKTOP, color_scheme: str = "light") -> Page:
        context = await browser.new_context(viewport=viewport, color_scheme=color_scheme)  # type: ignore[arg-type]
        page = await context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        pages.append(page)
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for index, page in enumerate(pages):
            shot = tmp_path / f"failure-{index}.png"
            await page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of page {index} ({page.url}): {shot}")
    for page in pages:
        await page.context.close()
    assert not violations, violations
