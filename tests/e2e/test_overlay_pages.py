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

# Exactly one dot per product card on the page right now (cards come and go).
DOTS_MATCH_CARDS_JS = """() => {
  const host = document.querySelector("dots-overlay");
  const cards = [...document.querySelectorAll(".card > a[href^='/products/']")]
    .map((a) => a.pathname.split("/")[2]).sort();
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
    page.wait_for_function(DOTS_MATCH_CARDS_JS)
    everything = card_count(page)
    assert everything == len(stack.catalog())

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
        page.wait_for_function(DOTS_MATCH_CARDS_JS)
        assert (card_count(page) == everything) == (category == "all"), category


def test_infinite_scroll_gets_dots(stack: Stack, page: Page) -> None:
    open_link(stack, page, "/infinite")
    page.wait_for_function(DOTS_MATCH_CARDS_JS)
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
    assert first_page < card_count(page) == len(stack.catalog())
    page.wait_for_function(DOTS_MATCH_CARDS_JS)


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
    page.wait_for_load_state()
    assert page.locator("a[href*='/products/']").count() == 0  # no cards to fall back on
    tagged = page.locator("[data-dots-product]")
    expected = sorted(tagged.evaluate_all("els => els.map(e => e.dataset.dotsProduct)"))
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


def test_hostile_css_leaves_a_usable_overlay_and_an_unchanged_page(
    stack: Stack, context: BrowserContext, page: Page
) -> None:
    shopper = context.new_page()
    shopper.goto(f"{stack.store_url}/hostile")
    before = shopper.evaluate(PAGE_LOOK_JS)
    shopper.close()

    open_link(stack, page, "/hostile")
    wait_for_dots(page, len(stack.catalog()))
    page.wait_for_load_state()
    assert page.evaluate(PAGE_LOOK_JS) == before

    # Every dot on screen gets the click at its centre, over max-z-index page chrome.
    on_screen = page.locator(ON_SCREEN_DOTS)
    expect(on_screen.first).to_be_visible()
    for i in range(on_screen.count()):
        on_screen.nth(i).click(trial=True)
    on_screen.first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    send = page.frame_locator(PANEL_FRAME).get_by_role("button", name="Send request")
    expect(send).to_be_visible()
    send.scroll_into_view_if_needed()
    box = send.bounding_box()
    assert box
    hit = page.evaluate(
        """([x, y]) => {
          const host = document.querySelector("dots-overlay");
          const top = document.elementFromPoint(x, y);
          return [top && top.tagName, host.shadowRoot.elementFromPoint(x, y).tagName];
        }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == ["DOTS-OVERLAY", "IFRAME"]
    send.click(trial=True)  # and inside the frame, nothing covers it either


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
