"""Dots on real-platform storefront pages (issue #9): every fixture of ``tests/platforms/``.

Each page of each fixture is one test: every expected card carries exactly
one dot of its product, no dot is anywhere else (products not in the feed,
sold-out products, navigation, breadcrumbs, mini-cart), and the page logs no
console error it does not log without the script tag. A page whose
``known_miss`` says why the overlay does not manage it yet is expected to
fail, strictly: the day it passes, its test fails until the note goes. Each test prints
``platform (page): k of n expected dots, m wrong`` as it ends, and the module
a summary per fixture, so progress is visible while the overlay changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.platforms import (
    Measurement,
    PageSpec,
    PlatformStore,
    fixture_names,
    load_fixture,
    measure,
    new_errors,
    open_page,
    serve_fixture,
    summary_line,
)
from tests.e2e.stack import Stack


def _marks(position: int, page: PageSpec) -> list[pytest.MarkDecorator]:
    # Two groups of fixtures, so make test's two workers share the pages (each
    # worker serves only the fixtures of its group); a known miss is a strict xfail.
    marks = [pytest.mark.xdist_group(f"platforms-{position % 2}")]
    if page.known_miss:
        marks.append(pytest.mark.xfail(strict=True, reason=page.known_miss))
    return marks


CASES = [
    pytest.param(name, index, id=f"{name}:{page.url}", marks=_marks(position, page))
    for position, name in enumerate(fixture_names())
    for index, page in enumerate(load_fixture(name).pages)
]
#: fixture name -> (platform, k, n, m) summed over its pages, for the summary.
TALLY: dict[str, list] = {}


def _say(request: pytest.FixtureRequest, line: str) -> None:
    """Write ``line`` to the terminal now, past output capture."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}", flush=True)


@pytest.fixture(scope="module")
def store_of(
    sqlite_stack: Stack, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], PlatformStore]]:
    """``store_of(name)``: fixture ``name`` served (as its own brand) the first time
    a test asks for it; a summary per fixture when the module is done."""
    workdir: Path = tmp_path_factory.mktemp("platforms")
    served: dict[str, PlatformStore] = {}

    def get(name: str) -> PlatformStore:
        if name not in served:
            served[name] = serve_fixture(sqlite_stack, load_fixture(name), workdir)
        return served[name]

    yield get
    lines = [
        f"{platform}: {k} of {n} expected dots, {m} wrong"
        for platform, k, n, m in (TALLY[name] for name in sorted(TALLY))
    ]
    if lines:
        _say(request, "Dots on platform fixtures:\n  " + "\n  ".join(lines))


def look_at(
    stack: Stack, store: PlatformStore, browser: Browser, index: int, image_delay_s: float = 0
) -> tuple[str, Measurement]:
    """Page ``index`` of ``store`` with the influencer's link: its summary line and
    what its dots came to, console errors compared with the page alone."""
    spec = store.fixture.pages[index]
    invite = stack.invite(spec.url, brand=store.brand, store_url=store.origin)
    page, errors = open_page(browser, invite.url, spec, True, image_delay_s)
    try:
        result = measure(page, spec)
    finally:
        page.context.close()
    if errors:
        # Only a page that logged errors needs the page alone to tell whose they are.
        bare, baseline = open_page(browser, f"{store.origin}{spec.url}", spec, with_dots=False)
        bare.context.close()
        result.new_errors = new_errors(errors, baseline)
    return summary_line(store.fixture.platform, spec, result), result


@pytest.mark.parametrize(("name", "index"), CASES)
def test_dots_on_platform_page(
    sqlite_stack: Stack,
    store_of: Callable[[str], PlatformStore],
    browser: Browser,
    request: pytest.FixtureRequest,
    name: str,
    index: int,
) -> None:
    store = store_of(name)
    line, result = look_at(sqlite_stack, store, browser, index)
    _say(request, line)
    tally = TALLY.setdefault(name, [store.fixture.platform, 0, 0, 0])
    tally[1:] = [
        tally[1] + result.right,
        tally[2] + len(result.expected),
        tally[3] + len(result.wrong),
    ]
    problems = result.problems()
    assert not problems, line + "\n  " + "\n  ".join(problems)


def test_dots_come_on_images_that_get_their_box_late(
    sqlite_stack: Stack, store_of: Callable[[str], PlatformStore], browser: Browser
) -> None:
    """Images that arrive after the overlay started (a slow network, a busy
    machine) may have no box when their dot is made; the dot comes on once
    they have one. Dawn's product page: its main image is the first dotted."""
    store = store_of("shopify-dawn")
    index = next(i for i, p in enumerate(store.fixture.pages) if p.url.startswith("/products/"))
    line, result = look_at(sqlite_stack, store, browser, index, image_delay_s=0.4)
    problems = result.problems()
    assert not problems, line + "\n  " + "\n  ".join(problems)
