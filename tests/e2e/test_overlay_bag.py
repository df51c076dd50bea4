"""The bag as the overlay owns it (issue #7, "Choices are kept"), in a real browser.

The stored shape across pages, reloads and a second tab; the variant a dot
preselects (the page's ``?variant=``, a card's link, the store's own option
selects and radio pills; never a sold-out one); and the checks on what the
panel sends. Where the panel's own behaviour would blur what is tested, its
frame is a stub page served at the panel's URL (so on the widget's origin,
which is all the overlay trusts) that records what it receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, Route, expect

from tests.e2e.stack import (
    BRAND,
    PANEL_FRAME,
    Stack,
    dot,
    panel_frame,
    stored_bag,
    wait_for_dots,
)

HOODIE = "cafe-creme-hoodie"  # option selects
TEE = "everyday-organic-tee"  # option selects; every XL sold out
BEANIE = "harbor-wool-beanie"  # Colour only
SWEATER = "sondag-merino-sweater"  # radio pills; every XL sold out
NINO = "nino-pocket-tee"  # its first variant, XS / Blush, is sold out
BACKPACK = "fjallrav-trail-backpack"  # Colour only; Rust sold out
LAUNCHER = "dots-overlay button.launcher"
BAG_KEYS = {"v", "link", "lines", "draft", "updated_at"}
IN_BAG_CLASS = re.compile(r"\bin-bag\b")
IN_BAG = re.compile(r"^Request .+ \(in your request\)$")


def lines_of(page: Page) -> list[tuple[str, int, int]]:
    bag = stored_bag(page) or {"lines": []}
    return [(line["handle"], line["variant_id"], line["quantity"]) for line in bag["lines"]]


def wait_for_lines(page: Page, count: int) -> None:
    page.wait_for_function(
        "([key, n]) => (JSON.parse(localStorage.getItem(key) || 'null') || {lines: []})"
        ".lines.length === n",
        arg=[f"dots:{BRAND}:bag", count],
    )


def add_from_dot(page: Page, handle: str) -> None:
    """Scroll the product's image into view, as a shopper would, and click its dot."""
    image = page.locator(f'.card a[href^="/products/{handle}"] img, .product-image').first
    image.scroll_into_view_if_needed()
    dot(page, handle).click()
    expect(page.get_by_role("dialog")).to_be_visible()


def close_panel(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()


# --- The stored shape ---------------------------------------------------------------------


def test_the_bag_keeps_its_shape_across_three_pages_and_a_reload(stack: Stack, page: Page) -> None:
    """Three products from three pages (product page with ?variant=, a collection, a
    product page whose own selects show the variant), with the real panel open on
    each: every line is the one the page showed, and a reload changes nothing."""
    charcoal_m = stack.variant_id(HOODIE, "M / Charcoal")
    invite = stack.invite(
        f"/products/{HOODIE}?variant={stack.store_variant_id(HOODIE, 'M / Charcoal')}"
    )
    page.goto(invite.url)
    add_from_dot(page, HOODIE)
    wait_for_lines(page, 1)

    page.goto(f"{stack.store_url}/collections/all")
    wait_for_dots(page, len(stack.catalog()))
    add_from_dot(page, BEANIE)
    wait_for_lines(page, 2)

    page.goto(f"{stack.store_url}/products/{TEE}")
    # A theme that shows the choice in its selects without writing ?variant=.
    page.evaluate(
        "() => { document.getElementById('option-1').value = 'L';"
        " document.getElementById('option-2').value = 'Sage'; }"
    )
    add_from_dot(page, TEE)
    wait_for_lines(page, 3)

    want = [
        (HOODIE, charcoal_m, 1),
        (BEANIE, stack.variant_id(BEANIE, "Rust"), 1),
        (TEE, stack.variant_id(TEE, "L / Sage"), 1),
    ]
    before = stored_bag(page)
    assert before and set(before) == BAG_KEYS
    assert (before["v"], before["link"]) == (2, invite.token.split(".")[0])
    assert isinstance(before["updated_at"], int) and before["updated_at"] > 0
    assert lines_of(page) == want

    page.goto(f"{stack.store_url}/")
    page.reload()
    wait_for_dots(page, len(stack.catalog()))
    assert lines_of(page) == want
    for handle in (HOODIE, BEANIE, TEE):
        expect(dot(page, handle)).to_have_class(IN_BAG_CLASS)
        expect(dot(page, handle)).to_have_attribute("aria-label", IN_BAG)
    expect(page.locator(f"{LAUNCHER} .count")).to_have_text("3")
    expect(page.locator(LAUNCHER)).to_have_accessible_name("My requests, 3 in your bag")


# --- A panel that only records what it gets -----------------------------------------------

STUB_PANEL = """<!doctype html><title>stub panel</title><script>
window.__got = [];
const origin = %s;
addEventListener("message", (e) => { if (e.source === parent) __got.push(e.data); });
addEventListener("keydown", (e) => {
  if (e.key === "Escape") parent.postMessage({type: "dots:close"}, origin);
});
parent.postMessage({type: "dots:ready"}, origin);
</script>"""


@pytest.fixture
def stub_panel(context: BrowserContext, stack: Stack) -> Iterator[None]:
    """Serve a recording stub at the panel's URL, for every page of ``context``."""

    def fulfil(route: Route) -> None:
        route.fulfill(content_type="text/html", body=STUB_PANEL % json.dumps(stack.store_url))

    url = re.compile(re.escape(stack.widget_url) + r"/v1/panel\?")
    context.route(url, fulfil)
    yield
    context.unroute(url)


def open_stub(page: Page) -> Frame:
    """Open the panel from the launcher; the stub's frame, once it said hello."""
    page.locator(LAUNCHER).click()
    page.frame_locator(PANEL_FRAME).locator("script").wait_for(state="attached")
    frame = panel_frame(page)
    frame.wait_for_function("() => __got.some((m) => m.type === 'dots:init')")
    return frame


def got(frame: Frame, kind: str) -> list[dict[str, Any]]:
    return frame.evaluate("k => __got.filter((m) => m.type === k)", kind)


def from_panel(frame: Frame, origin: str, message: dict[str, Any]) -> None:
    """Post ``message`` to the store page from the panel's frame (the widget's origin)."""
    frame.evaluate("([o, m]) => parent.postMessage(m, o)", [origin, message])


def test_a_second_tab_follows_the_bag(
    stack: Stack, context: BrowserContext, page: Page, stub_panel: None
) -> None:
    invite = stack.invite("/")
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    other = context.new_page()
    other.goto(f"{stack.store_url}/collections/all")  # the token is in storage now
    wait_for_dots(other, len(stack.catalog()))
    frame = open_stub(other)  # a panel is open in the second tab

    add_from_dot(page, BEANIE)
    rust = stack.variant_id(BEANIE, "Rust")
    expect(dot(other, BEANIE)).to_have_class(IN_BAG_CLASS)
    expect(other.locator(f"{LAUNCHER} .count")).to_have_text("1")
    frame.wait_for_function("() => __got.some((m) => m.type === 'dots:bag')")
    [message] = got(frame, "dots:bag")
    assert [(x["handle"], x["variant_id"], x["quantity"]) for x in message["bag"]["lines"]] == [
        (BEANIE, rust, 1)
    ]

    # The second tab's panel changes the quantity: the first tab shows the same bag.
    from_panel(
        frame,
        stack.store_url,
        {
            "type": "dots:bag",
            "lines": [{"handle": BEANIE, "variant_id": rust, "quantity": 3}],
            "draft": None,
        },
    )
    page.wait_for_function(
        "k => JSON.parse(localStorage.getItem(k)).lines[0].quantity === 3", arg=f"dots:{BRAND}:bag"
    )
    other.close()


def test_panel_messages_are_checked_before_they_reach_the_bag(
    stack: Stack, page: Page, stub_panel: None
) -> None:
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(stack.catalog()))
    frame = open_stub(page)
    [opened] = got(frame, "dots:open")
    assert opened["view"] == "mine" and opened["bag"]["lines"] == []

    rust = stack.variant_id(BEANIE, "Rust")
    navy = stack.variant_id(TEE, "M / Navy")
    lines = [
        {"handle": BEANIE, "variant_id": rust, "quantity": 2, "address": "Rua Augusta"},
        {"handle": TEE, "variant_id": navy, "quantity": 10},
        {"handle": TEE, "variant_id": navy, "quantity": 1},  # the same variant twice
        {"handle": HOODIE, "variant_id": rust, "quantity": 1},  # another product's variant
        {"handle": HOODIE, "variant_id": str(rust), "quantity": 1},
        {"handle": HOODIE, "variant_id": 1.5, "quantity": 1},
        {"handle": SWEATER, "variant_id": stack.variant_id(SWEATER, "M / Oat"), "quantity": 0},
        {"handle": SWEATER, "variant_id": stack.variant_id(SWEATER, "M / Oat"), "quantity": 11},
        {"handle": "no-such-product", "variant_id": rust, "quantity": 1},
        {"handle": "__proto__", "variant_id": rust, "quantity": 1},
        "junk",
        None,
    ]
    draft = {
        "content_types": ["reel", 7],
        "message": "x" * 5000,
        "links": ["https://a.example"] * 12,
        "shipping_address": {"line1": "Rua Augusta 100"},
        "email": "ana@example.com",
    }
    from_panel(frame, stack.store_url, {"type": "dots:bag", "lines": lines, "draft": draft})
    wait_for_lines(page, 2)
    bag = stored_bag(page)
    assert bag and lines_of(page) == [(BEANIE, rust, 2), (TEE, navy, 10)]
    assert all(set(line) == {"handle", "variant_id", "quantity"} for line in bag["lines"])
    assert bag["draft"] == {
        "content_types": ["reel"],
        "message": "x" * 2000,
        "links": ["https://a.example"] * 10,
    }
    expect(dot(page, TEE)).to_have_class(IN_BAG_CLASS)

    # The same message from the store's page itself is not the panel's: ignored.
    page.evaluate(
        "m => window.postMessage(m, '*')", {"type": "dots:bag", "lines": [], "draft": None}
    )
    page.evaluate("() => new Promise((r) => setTimeout(r, 100))")
    assert lines_of(page) == [(BEANIE, rust, 2), (TEE, navy, 10)]

    # A request was sent for the tee: its dot says so and it leaves the bag.
    from_panel(
        frame,
        stack.store_url,
        {
            "type": "dots:request",
            "request": {
                "id": 1,
                "status": "pending",
                "items": [{"product_handle": TEE}, {"product_handle": 5}],
            },
        },
    )
    wait_for_lines(page, 1)
    assert lines_of(page) == [(BEANIE, rust, 2)]
    expect(dot(page, TEE)).to_have_attribute("data-status", "pending")
    close_panel(page)


# --- Which variant a dot adds -------------------------------------------------------------


def preselected(page: Page, handle: str) -> int:
    """Click ``handle``'s dot on the current page; the variant id it put in the bag."""
    wait_for_lines(page, 0)
    add_from_dot(page, handle)
    wait_for_lines(page, 1)
    [(line_handle, variant_id, quantity)] = lines_of(page)
    assert (line_handle, quantity) == (handle, 1)
    return variant_id


@pytest.mark.parametrize(
    ("handle", "in_url", "chosen"),
    [
        (SWEATER, "L / Plum", "L / Plum"),
        (BACKPACK, "Rust", "Forest"),  # Rust is sold out: the first available instead
        (TEE, "XL / Sage", "XS / Navy"),
    ],
    ids=["available", "sold-out", "sold-out-size"],
)
def test_the_variant_in_the_page_url_is_preselected_unless_sold_out(
    stack: Stack, page: Page, stub_panel: None, handle: str, in_url: str, chosen: str
) -> None:
    store_id = stack.store_variant_id(handle, in_url)
    page.goto(stack.invite(f"/products/{handle}?variant={store_id}").url)
    assert preselected(page, handle) == stack.variant_id(handle, chosen)


def test_the_variant_in_a_cards_link_is_preselected(
    stack: Stack, page: Page, stub_panel: None
) -> None:
    page.goto(stack.invite("/collections/all").url)
    wait_for_dots(page, len(stack.catalog()))
    store_id = stack.store_variant_id(TEE, "S / Ivory")
    # A collection filtered by colour links each card to the variant it shows.
    page.evaluate(
        "([h, v]) => document.querySelectorAll(`a[href='/products/${h}']`)"
        ".forEach((a) => a.setAttribute('href', `/products/${h}?variant=${v}`))",
        [TEE, store_id],
    )
    assert preselected(page, TEE) == stack.variant_id(TEE, "S / Ivory")


def test_a_card_without_a_variant_adds_the_first_available_one(
    stack: Stack, page: Page, stub_panel: None
) -> None:
    page.goto(stack.invite("/collections/all").url)
    wait_for_dots(page, len(stack.catalog()))
    assert preselected(page, NINO) == stack.variant_id(NINO, "S / Blush")


SET_OPTIONS_JS = """(values) => {
  // What a theme shows without writing ?variant= into the URL: no change events.
  for (const [position, value] of values.entries()) {
    const select = document.querySelector(`select[data-option-position="${position + 1}"]`);
    if (select) { select.value = value; continue; }
    document.querySelector(
      `input[type=radio][data-option-position="${position + 1}"][value="${value}"]`).checked = true;
  }
  history.replaceState(null, "", location.pathname);
}"""


@pytest.mark.parametrize(
    ("handle", "shown", "chosen"),
    [
        (TEE, ["L", "Sage"], "L / Sage"),  # <select name="options[Size]">
        (SWEATER, ["M", "Oat"], "M / Oat"),  # radio pills name="Size"
        (TEE, ["XL", "Sage"], "XS / Navy"),  # sold out: the first available
        (SWEATER, ["XL", "Plum"], "XS / Sage"),  # sold out: the first available
    ],
    ids=["selects", "radios", "selects-sold-out", "radios-sold-out"],
)
def test_the_stores_own_options_are_preselected_unless_sold_out(
    stack: Stack, page: Page, stub_panel: None, handle: str, shown: list[str], chosen: str
) -> None:
    page.goto(stack.invite(f"/products/{handle}").url)
    dot(page, handle).wait_for(state="attached")
    page.evaluate(SET_OPTIONS_JS, shown)
    assert preselected(page, handle) == stack.variant_id(handle, chosen)


def test_a_line_already_in_the_bag_keeps_its_choice(
    stack: Stack, page: Page, stub_panel: None
) -> None:
    """Clicking the dot of a product in the bag opens the bag; it never remakes the line."""
    store_id = stack.store_variant_id(SWEATER, "L / Plum")
    page.goto(stack.invite(f"/products/{SWEATER}?variant={store_id}").url)
    plum = preselected(page, SWEATER)
    close_panel(page)
    page.goto(f"{stack.store_url}/products/{SWEATER}")  # the page now shows XS / Sage
    dot(page, SWEATER).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert lines_of(page) == [(SWEATER, plum, 1)]
