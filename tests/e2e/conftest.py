"""Browser fixtures: Debian's Chromium driven by Playwright, and the live stack.

These tests need ``/usr/bin/chromium`` (``make test`` installs Debian's
package when it is missing). Without it they fail with that message rather
than being skipped: a green run must mean the browser tests ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.stack import CHROMIUM, CHROMIUM_ARGS, Stack, start_stack

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run 'make test' (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("e2e"))
    yield running
    running.stop()


#: A phone as issue #7 names it: 390 x 844 CSS pixels, touch, mobile viewport.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: no storage carried between tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile on a phone (touch events, mobile viewport, no mouse)."""
    context = browser.new_context(**PHONE, locale="en-US")
    yield context
    context.close()


def _watched_page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    with suppress(Exception):  # the test may have closed the page
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page that fails the test on any uncaught script error, and keeps a screenshot."""
    yield from _watched_page(context, request)


@pytest.fixture
def phone_page(phone: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """Like ``page``, on the phone."""
    yield from _watched_page(phone, request)
