"""Browser end-to-end tests: the real app (``gridgov demo``) in a subprocess, driven by headless Chromium.

Chromium is found via ``GRIDGOV_CHROMIUM``, then ``chromium`` on PATH, then ``/usr/bin/chromium``; without one
every test here is skipped with the reason. No browser is ever downloaded (Debian's chromium package is enough).
Set ``GRIDGOV_SCREENSHOTS=1`` to (re)write the PNGs in ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.live import demo_server

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"
PASSWORD = "gridgov-demo"
VIEWPORT = {"width": 1400, "height": 900}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_SECONDS = 180


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GRIDGOV_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, served by ``python -m gridgov demo`` on a free port with a fresh SQLite file."""
    with demo_server(tmp_path_factory.mktemp("e2e-app")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "no Chromium binary: set GRIDGOV_CHROMIUM or install chromium "
            "(e.g. apt-get install chromium); browser tests skipped"
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser: Browser, app_url: str) -> Iterator[Callable[[], Page]]:
    """Factory of pages, each in its own fresh browser context (own cookies), 1400x900, relative URLs."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(viewport=VIEWPORT, base_url=app_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in a fresh browser context; ``page.goto('/x')`` is relative to the app."""
    return new_page()


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """Full-page PNG into docs/screenshots/<name>.png, only when GRIDGOV_SCREENSHOTS=1."""
    enabled = os.environ.get("GRIDGOV_SCREENSHOTS") == "1"

    def take(target: Page, name: str) -> None:
        if not enabled:
            return
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return take
