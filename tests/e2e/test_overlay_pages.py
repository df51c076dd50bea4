"""The overlay on store pages unlike the home grid: client-side routing, infinite
scroll, other markup, the tag pasted twice, hostile CSS and a strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.e2e.stack import (
    ON_SCREEN_DOTS,
    PANEL_FRAME,
    Stack,
    dot_handles,
    wait_for_dots,
    widget_requests,
)

# Exactly one dot per card of a requestable product on the page right now (cards come
# and go; sold-out and excluded products have cards but no dot). Takes the catalog's handles.
DOTS_MATCH_CARDS_JS = """(catalog) => {
  const host = document.querySelector("dots-overlay");
  const cards = [...document.querySelectorAll(".card > a[href^='/products/']")]
    .map((a) => a.pathname.split("/")[2]).filter((h) => catalog.includes(h)).sort();
  if (!host || !cards.length) return false;
  const dots = [...host.shadowRoot.querySelectorAll("button.dot:not([hidden])")]
    .map((dot) => dot.dataset.handle).sort();
  return JSON.stringify(dots) === JSON.stringify(cards);
}"""


def open_link(stack: Stack, page: Page, path: str) -> None:
    link, _ = stack.influencer_link(path)
    page.goto(link)


def card_count(page: Page) -> int:
    return page.locator(".card").count()


def test_client_side_routes_get_dots(stack: Stack, page: Page) -> None:
    open_link(stack, page, "/spa")
    page.wait_for_function(DOTS_MATCH_CARDS_JS, arg=list(stack.catalog()))
    everything = card_count(page)
    assert everything == stack.product_count

    for category, go in [
        ("accessories", lambda: page.get_by_role("link", name="Accessories").first.click()),
        ("tops", lambda: page.get_by_role("link", name="Tops").first.click()),
        ("accessories", page.go_back),
        ("all", page.go_back),
    ]:
        go()
        # The new grid first (until then the old cards and dots match), then its dots.
        page.wait_for_function(
            "c => { const root = document.getElementById('spa-root');"
            " return root.dataset.category === c"
            " && !document.getElementById('spa-grid').hasAttribute('aria-busy'); }",
            arg=category,
        )
        page.wait_for_function(DOTS_MATCH_CARDS_JS, arg=list(stack.catalog()))
        assert (card_count(page) == everything) == (category == "all"), category


def test_infinite_scroll_gets_dots(stack: Stack, page: Page) -> None:
    open_link(stack, page, "/infinite")
    page.wait_for_function(DOTS_MATCH_CARDS_JS, arg=list(stack.catalog()))
    first_page = card_count(page)
    for _ in range(20):
        if page.locator("#infinite-grid[data-complete]").count():
            break
        shown = card_count(page)
        page.mouse.wheel(0, 4000)
        page.wait_for_function(
            "n => document.querySelectorAll('.card').length > n"
            " || document.querySelector('#infinite-grid[data-complete]')",
            arg=shown,
        )
    assert first_page < card_count(page) == stack.product_count
    page.wait_for_function(DOTS_MATCH_CARDS_JS, arg=list(stack.catalog()))


@pytest.mark.parametrize(
    ("path", "image"),
    [
        # Tiles with data-dots-product, no product links.
        ("/tagged", '[data-dots-product="{}"] img'),
        # A product page: only its schema.org Product JSON-LD names the product.
        ("/products/harbour-rain-jacket", ".product-image"),
    ],
    ids=["data-attributes", "json-ld"],
)
def test_pages_without_cards_get_dots(stack: Stack, page: Page, path: str, image: str) -> None:
    open_link(stack, page, path)
    assert page.locator("a[href*='/products/']").count() == 0  # no cards to fall back on
    tagged = page.locator("[data-dots-product]")
    tags = tagged.evaluate_all("els => els.map(e => e.dataset.dotsProduct)")
    expected = sorted(handle for handle in tags if handle in stack.catalog())
    expected = expected or [path.rsplit("/", 1)[1]]
    wait_for_dots(page, len(expected))
    assert dot_handles(page) == expected

    # Each dot on screen sits on its product's image.
    on_screen = page.locator(ON_SCREEN_DOTS)
    expect(on_screen.first).to_be_visible()
    for i in range(on_screen.count()):
        dot = on_screen.nth(i)
        box = dot.bounding_box()
        picture = page.locator(image.format(dot.get_attribute("data-handle"))).bounding_box()
        assert box and picture
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        assert picture["x"] <= x <= picture["x"] + picture["width"]
        assert picture["y"] <= y <= picture["y"] + picture["height"]


# Every dot on screen has its centre on its card's image (or placeholder).
DOTS_ON_IMAGES_JS = """() => {
  const host = document.querySelector("dots-overlay");
  const dots = [...host.shadowRoot.querySelectorAll("button.dot:not([hidden]):not(.off)")];
  return dots.length > 0 && dots.every((dot) => {
    const link = `.card a[href="/products/${dot.dataset.handle}"]`;
    const image = document.querySelector(`${link} img, ${link} [role=img]`).getBoundingClientRect();
    const r = dot.getBoundingClientRect();
    const x = r.x + r.width / 2, y = r.y + r.height / 2;
    return image.left <= x && x <= image.right && image.top <= y && y <= image.bottom;
  });
}"""


def test_dots_follow_their_images_through_scroll_and_resize(stack: Stack, page: Page) -> None:
    open_link(stack, page, "/")
    wait_for_dots(page, len(stack.catalog()))
    page.wait_for_function(DOTS_ON_IMAGES_JS)
    for move in (
        lambda: page.evaluate("window.scrollBy(0, 900)"),
        lambda: page.set_viewport_size({"width": 700, "height": 800}),
        lambda: page.evaluate("window.scrollBy(0, 1500)"),
    ):
        move()  # done when it returns: the dots are then where the images were
        page.wait_for_function(DOTS_ON_IMAGES_JS)


def test_script_tag_pasted_twice_gives_one_overlay(stack: Stack, page: Page) -> None:
    requests = widget_requests(page, stack.widget_url)
    open_link(stack, page, "/double")
    assert page.locator("script[src$='/v1/dots.js']").count() == 2
    wait_for_dots(page, len(stack.catalog()))
    page.wait_for_load_state("networkidle")
    assert page.locator("dots-overlay").count() == 1
    sessions = [r for r in requests if r.method == "POST" and r.url.endswith("/v1/session")]
    overlays = [r for r in requests if "/v1/overlay." in r.url]
    assert (len(sessions), len(overlays)) == (1, 1)


# What the hostile page looks like: where its cards are, and the computed style of a
# few of its elements.
PAGE_LOOK_JS = """() => {
  const props = ["display", "position", "z-index", "font-family", "font-size", "color",
    "background-color", "margin", "padding", "width", "height", "box-sizing", "overflow"];
  const look = {
    size: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    cards: [...document.querySelectorAll(".card")].map((card) => {
      const r = card.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height];
    }),
  };
  for (const sel of ["html", "body", ".site-header", ".grid", ".card", ".card img", "h1",
                     ".price", ".chat-bubble", "footer"]) {
    const style = getComputedStyle(document.querySelector(sel));
    look[sel] = props.map((p) => style.getPropertyValue(p));
  }
  return look;
}"""


# Points of a box (centre and near each corner) where the page shows something else
# than the overlay's element: a dot (by handle), or else the panel's frame.
COVERED_POINTS_JS = """([box, handle]) => {
  const host = document.querySelector("dots-overlay");
  const points = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]]
    .map(([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height]);
  return points.filter(([x, y]) => {
    if (document.elementFromPoint(x, y) !== host) return true;
    const hit = host.shadowRoot.elementFromPoint(x, y);
    if (handle === null) return hit.tagName !== "IFRAME";
    const dot = hit.closest("button.dot");
    return !dot || dot.dataset.handle !== handle;
  });
}"""


def test_hostile_css_leaves_a_usable_overlay_and_an_unchanged_page(
    stack: Stack, context: BrowserContext, page: Page
) -> None:
    # Compared once the lazy images near the screen are in (the page's height
    # grows with them, with or without the overlay).
    shopper = context.new_page()
    shopper.goto(f"{stack.store_url}/hostile", wait_until="networkidle")
    before = shopper.evaluate(PAGE_LOOK_JS)
    shopper.close()

    open_link(stack, page, "/hostile")
    wait_for_dots(page, len(stack.catalog()))
    page.wait_for_load_state("networkidle")
    assert page.evaluate(PAGE_LOOK_JS) == before

    # No dot on screen is under the page's max-z-index header or chat bubble.
    on_screen = page.locator(ON_SCREEN_DOTS)
    expect(on_screen.first).to_be_visible()
    for i in range(on_screen.count()):
        dot = on_screen.nth(i)
        handle = dot.get_attribute("data-handle")
        assert page.evaluate(COVERED_POINTS_JS, [dot.bounding_box(), handle]) == [], handle
    on_screen.first.click()  # Playwright's own checks: visible, stable, gets the click

    expect(page.get_by_role("dialog")).to_be_visible()
    panel = page.frame_locator(PANEL_FRAME)
    for button in (
        panel.get_by_role("button", name="Send request"),
        panel.get_by_role("button", name="Close"),
    ):
        expect(button).to_be_visible()
        button.scroll_into_view_if_needed()
        assert page.evaluate(COVERED_POINTS_JS, [button.bounding_box(), None]) == []
        button.click(trial=True)  # and inside the frame nothing covers it either


def test_strict_csp_allows_the_overlay_without_violations(stack: Stack, page: Page) -> None:
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    open_link(stack, page, "/csp")
    html = page.locator("html")
    expect(html).to_have_attribute("data-inline-script", "ran")
    wait_for_dots(page, len(stack.catalog()))
    expect(html).to_have_attribute("data-csp-violations", "0")

    page.locator(ON_SCREEN_DOTS).first.click()
    panel = page.frame_locator(PANEL_FRAME)
    expect(panel.get_by_role("button", name="Send request")).to_be_visible()
    panel.locator("#tab-mine").click()
    expect(panel.get_by_role("heading", name="My requests")).to_be_visible()
    expect(html).to_have_attribute("data-csp-violations", "0")
    assert not [m.text for m in console if "Content Security Policy" in m.text]
