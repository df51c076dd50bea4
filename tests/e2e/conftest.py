"""Browser fixtures: Debian's Chromium driven by Playwright, and the live stack.

These tests need ``/usr/bin/chromium`` (``make test`` installs Debian's
package when it is missing). Without it they fail with that message rather
than being skipped: a green run must mean the browser tests ran.

The stack (``tests/e2e/stack.py``) serves the widget server with ``widget-server
serve`` on SQLite, shared by the session. The key journeys also run on
PostgreSQL when ``DOTS_TEST_DATABASE_URL`` is set (CI): marked
``@on_every_database``, they run once per database, the PostgreSQL one on a
second ``serve`` process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import DATABASES, POSTGRES_URL, empty_tables
from tests.databases import reset_postgres
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
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack on a SQLite file, shared by the whole session."""
    running = start_stack(tmp_path_factory.mktemp("e2e"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack on the PostgreSQL test database, for one module's journeys.

    The rest of the suite uses the same database and expects it migrated and
    empty between tests, so this one is reset before and emptied as soon as
    the module is done (not at the end of the session).
    """
    assert POSTGRES_URL, "only parametrized in with DOTS_TEST_DATABASE_URL"
    reset_postgres(POSTGRES_URL)
    running = start_stack(tmp_path_factory.mktemp("e2e-pg"), database_url=POSTGRES_URL)
    try:
        yield running
    finally:
        try:
            running.stop()
        finally:
            empty_tables(running.widget_app)


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Stack:
    """The stack a test runs on: SQLite, or each database with ``@on_every_database``."""
    database = getattr(request, "param", "sqlite")
    return request.getfixturevalue(f"{database}_stack")


#: Run a test on SQLite and, when configured, on PostgreSQL (ids ``[sqlite]``, ``[postgres]``).
on_every_database = pytest.mark.parametrize(
    "stack",
    [
        pytest.param(db, marks=[pytest.mark.postgres] if db == "postgres" else [])
        for db in DATABASES
    ],
    indirect=True,
)


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
