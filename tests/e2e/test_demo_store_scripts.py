"""The demo store's own scripts in a real browser, no widget token: client-side routing
(``spa.js``), infinite scroll (``infinite.js``) and the cards both build (``cards.js``).

The overlay is tested on these pages elsewhere (``test_overlay_pages.py``); here the
store itself must behave as the kind of theme it stands for, or those tests prove
less than they say. Every feed page the browser fetches has one product whose title
is markup, which must arrive as text.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.stack import Stack

HOSTILE = '<img src=x onerror="window.pwned=1">'
CARD_LINKS_JS = """() => [...document.querySelectorAll(".card h3 a")].map(
  (a) => [a.pathname.split("/")[2], a.textContent])"""


def feed(stack: Stack, query: str) -> list[dict[str, Any]]:
    """The store's ``/products.json`` as the server answers it."""
    with urllib.request.urlopen(f"{stack.store_url}/products.json{query}", timeout=10) as answer:
        return json.load(answer)["products"]


def poisoned(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A feed page whose first product's title is markup (what the browser is served)."""
    return [{**p, "title": HOSTILE + p["title"]} if i == 0 else p for i, p in enumerate(products)]


@pytest.fixture
def hostile_feed(page: Page, stack: Stack) -> Iterator[list[str]]:
    """Serve every feed page poisoned; yields the feed URLs the page asked for."""
    asked: list[str] = []

    def serve(route: Route) -> None:
        asked.append(route.request.url.split("/products.json", 1)[1])
        answer = route.fetch()
        route.fulfill(response=answer, json={"products": poisoned(answer.json()["products"])})

    page.route(f"{stack.store_url}/products.json*", serve)
    yield asked
    page.unroute(f"{stack.store_url}/products.json*")


def cards(page: Page) -> list[tuple[str, str]]:
    """The grid's cards as (handle, title text)."""
    return [tuple(card) for card in page.evaluate(CARD_LINKS_JS)]


def shown(products: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p["handle"], p["title"]) for p in products]


def wait_for_grid(page: Page, category: str) -> None:
    page.wait_for_function(
        "c => document.getElementById('spa-root').dataset.category === c"
        " && !document.getElementById('spa-grid').hasAttribute('aria-busy')",
        arg=category,
    )


def assert_inert(page: Page) -> None:
    """The markup in titles stayed text: no element made of it, nothing ran."""
    assert page.locator(".card h3 img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_spa_links_route_in_the_page_and_back_and_forward_follow(
    stack: Stack, page: Page, hostile_feed: list[str]
) -> None:
    everything = poisoned(feed(stack, "?limit=250"))
    tops = [p for p in everything if "tops" in p["tags"]]
    accessories = [p for p in everything if "accessories" in p["tags"]]
    assert 0 < len(tops) < len(everything) and 0 < len(accessories) < len(everything)

    page.goto(f"{stack.store_url}/spa")
    wait_for_grid(page, "all")
    assert cards(page) == shown(everything)
    assert_inert(page)
    expect(page.locator("#spa-count")).to_have_text(f"{len(everything)} products")
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    nav = page.locator("a[data-spa-link]")
    for name, path, expected in [
        ("Tops", "/spa/tops", tops),
        ("Accessories", "/spa/accessories", accessories),
    ]:
        nav.filter(has_text=name).first.click()
        wait_for_grid(page, path.rsplit("/", 1)[1])
        assert page.url == f"{stack.store_url}{path}"
        assert cards(page) == shown(expected)
        expect(page).to_have_title(f"{name} | Northwind Supply")
        expect(nav.filter(has_text=name).first).to_have_attribute("aria-current", "page")

    for go, path, category, expected in [
        (page.go_back, "/spa/tops", "tops", tops),
        (page.go_back, "/spa", "all", everything),
        (page.go_forward, "/spa/tops", "tops", tops),
    ]:
        go()
        wait_for_grid(page, category)
        assert page.url == f"{stack.store_url}{path}"
        assert cards(page) == shown(expected)
    assert page.evaluate("() => window.sameDocument") is True  # never a page load
    assert hostile_feed == ["?limit=250"]  # one fetch of the feed, kept
    assert_inert(page)


def test_infinite_scroll_appends_each_feed_page_until_one_comes_back_empty(
    stack: Stack, page: Page, hostile_feed: list[str]
) -> None:
    first = feed(stack, "?limit=8&page=1")
    later = [poisoned(feed(stack, f"?limit=8&page={n}")) for n in (2, 3)]
    expected = shown(first + later[0] + later[1])
    assert len(expected) == stack.product_count == 24

    page.goto(f"{stack.store_url}/infinite")
    assert cards(page) == shown(first)  # the server's first page
    status = page.locator("#infinite-status")
    for _ in range(10):
        if page.locator("#infinite-grid[data-complete]").count():
            break
        before = len(cards(page))
        page.mouse.wheel(0, 6000)
        page.wait_for_function(
            "n => document.querySelectorAll('.card').length > n"
            " || document.querySelector('#infinite-grid[data-complete]')",
            arg=before,
        )
    expect(page.locator("#infinite-grid")).to_have_attribute("data-complete", "true")
    expect(status).to_have_text("You've seen everything. Check back soon for new arrivals.")
    assert cards(page) == expected  # each page once, in order
    assert hostile_feed == ["?limit=8&page=2", "?limit=8&page=3", "?limit=8&page=4"]
    assert_inert(page)
