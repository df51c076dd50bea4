"""The brand's install check (#9 item 3): a preview link, in a real browser.

``widget-server link preview`` prints a store URL with a preview token. The
brand opens it and sees the dots as an influencer would, with requests turned
off, plus an **Install check** button that opens the panel's diagnostics view
(``docs/widget-protocol.md``, "Preview links"). The grid page used here has
the widget's script tag twice and 26 cards for a catalog of 24 products, so
the check has something to say about each of its lists: products with a dot,
cards that match no catalog product (the last two), a sold-out product, one
the brand excluded, and catalog products that are not on a page.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect
from sqlalchemy import select

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import (
    BRAND,
    PANEL_FRAME,
    Stack,
    dot_in_view,
    horizontal_overflow,
    panel_frame,
    panel_of,
    token_of,
    wait_for_dots,
    widget_outside_viewport,
)
from tests.factories import request_body
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import session

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "preview"
GRID = "/double?count=26"  # the script tag pasted twice; cards 25 and 26 are not in the catalog
UNKNOWN = ("drift-slate-tee", "atelier-navy-hoodie")
SOLD_OUT = "zurich-fleece-hoodie"  # in the catalog, no variant in stock
EXCLUDED, EXCLUDED_TITLE = "harbour-ochre-cap", "Harbour Ochre Cap"
HOODIE, HOODIE_TITLE = "cafe-creme-hoodie", "Café Crème Hoodie"
TEE, TEE_TITLE = "everyday-organic-tee", "Everyday Organic Tee"


@pytest.fixture
def excluded(stack: Stack) -> Iterator[str]:
    """One product the brand excluded, for this test only (the stack is shared)."""
    stack.exclude(EXCLUDED)
    try:
        yield EXCLUDED
    finally:
        stack.exclude(EXCLUDED, excluded=False)


def install_check(page: Page) -> Locator:
    return page.get_by_role("button", name="Install check", exact=True)


def open_check(page: Page) -> FrameLocator:
    """Open the Install check from the keyboard; the panel once it shows the check."""
    button = install_check(page)
    button.focus()
    page.keyboard.press("Enter")
    panel = panel_of(page)
    expect(panel.get_by_role("heading", name="Install check", level=2)).to_be_focused()
    return panel


def section(panel: FrameLocator, heading: str) -> Locator:
    """The diagnostics section under the h3 that starts with ``heading``."""
    return panel.locator("section.diag-section").filter(
        has=panel.get_by_role("heading", level=3, name=heading)
    )


def entry(list_section: Locator, title: str) -> Locator:
    return list_section.get_by_role("listitem").filter(has_text=title)


def open_preview(page: Page, stack: Stack, path: str = GRID) -> str:
    """Open a new preview link to ``path`` and wait for every dot; its token."""
    url = stack.preview_link(path)
    assert url.startswith(f"{stack.store_url}{path}#dots="), url
    page.goto(url)
    wait_for_dots(page, len(stack.catalog()))
    return token_of(url)


def test_the_install_check_lists_the_install_the_dots_and_the_misses(
    page: Page, stack: Stack, excluded: str
) -> None:
    open_preview(page, stack)
    expect(install_check(page)).to_be_visible()
    panel = open_check(page)

    install = section(panel, "Install")
    expect(install).to_contain_text("The Dots script tag is on this page 2 times.")
    expect(install).to_contain_text(f"This page's origin {stack.store_url} is one of your store")
    expect(install).to_contain_text("No Content-Security-Policy problem seen on this page.")
    # Every verdict is a word, not only a colour.
    expect(install.get_by_role("listitem").first).to_contain_text("Check")

    dotted = section(panel, "Products with a dot")
    expect(dotted.get_by_role("heading")).to_have_text(
        f"Products with a dot ({len(stack.catalog())})"
    )
    hoodie = entry(dotted, HOODIE_TITLE)
    expect(hoodie).to_contain_text(f"Handle {HOODIE}")
    expect(hoodie).to_contain_text(f"link URL /products/{HOODIE}")

    # The lists can be long: a link with each one's count goes to it.
    panel.get_by_role("link", name="4 product-looking elements with no dot").click()
    expect(panel.get_by_role("heading", name="Looks like a product, but no dot")).to_be_focused()
    missed = section(panel, "Looks like a product, but no dot")
    for handle in UNKNOWN:
        expect(missed).to_contain_text(f"No catalog product has the URL /products/{handle}")
    expect(missed).to_contain_text("is the catalog synced?", ignore_case=True)
    expect(missed).to_contain_text("Excluded from requests")
    expect(missed).to_contain_text("Sold out")
    expect(missed.get_by_role("heading")).to_have_text("Looks like a product, but no dot (4)")

    # All 24 catalog products are on this grid; the excluded and the sold-out
    # one are not requestable, so not in the catalog the check compares with.
    absent = section(panel, "Catalog products not on this page")
    expect(absent).to_contain_text("Every catalog product has a dot on this page.")

    # Another page of the store, same preview (the loader kept the token).
    page.goto(f"{stack.store_url}/products/{TEE}")
    wait_for_dots(page, 1)
    panel = open_check(page)
    dotted = section(panel, "Products with a dot")
    expect(dotted.get_by_role("heading")).to_have_text("Products with a dot (1)")
    expect(entry(dotted, TEE_TITLE)).to_be_visible()
    expect(section(panel, "Install")).to_contain_text("The Dots script tag is on this page once.")
    absent = section(panel, "Catalog products not on this page")
    expect(absent.get_by_role("heading")).to_have_text(
        f"Catalog products not on this page ({len(stack.catalog()) - 1})"
    )
    listed = absent.get_by_role("listitem")
    expect(listed.first).to_be_hidden()  # collapsed until asked for
    absent.locator("summary").click()
    expect(entry(absent, HOODIE_TITLE)).to_be_visible()
    expect(absent).not_to_contain_text(TEE_TITLE)


def preview_request_status(stack: Stack, token: str) -> tuple[int, dict[str, object]]:
    """``POST /v1/requests`` with a preview token, a body that would otherwise be valid."""
    with stack.widget_app.app_context():
        brand = find_brand(BRAND)
        variant = session.scalars(
            select(Variant)
            .join(Variant.product)
            .where(Product.brand_id == brand.id, Product.handle == HOODIE, Variant.available)
        ).first()
        body = request_body(brand, [variant])
    call = urllib.request.Request(
        f"{stack.widget_url}/v1/requests",
        data=json.dumps(body, default=str).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Origin": stack.store_url,
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_a_preview_cannot_send_a_request(page: Page, stack: Stack) -> None:
    token = open_preview(page, stack, "/")
    dot_in_view(page, HOODIE).click()
    panel = panel_of(page)
    expect(panel.get_by_role("heading", name="Your picks")).to_be_visible()
    expect(panel.get_by_text("This is a preview: requests are turned off.")).to_be_visible()
    expect(panel.get_by_role("button", name="Send request")).to_have_count(0)
    # The panel's own Install check tab shows what the overlay measured.
    panel.get_by_role("button", name="Install check").click()
    expect(section(panel, "Products with a dot")).to_contain_text(HOODIE_TITLE)

    status, answer = preview_request_status(stack, token)
    assert status == 403, answer
    assert answer["error"] == "preview_only", answer


def test_an_expired_preview_link_shows_the_refusal(page: Page, stack: Stack) -> None:
    url = stack.preview_link("/", issued_at=clock.now() - timedelta(hours=2))
    page.goto(url)
    notice = page.get_by_role("status").filter(has_text="Northwind Supply")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("expired")
    expect(install_check(page)).to_have_count(0)
    assert page.evaluate("key => localStorage.getItem(key)", f"dots:{BRAND}") is None


def test_the_install_check_names_what_the_stores_csp_blocked(page: Page, stack: Stack) -> None:
    open_preview(page, stack, "/csp")
    # The store's own CSP (img-src 'self' data: WIDGET) refuses an image from elsewhere.
    page.evaluate("() => { new Image().src = 'http://127.0.0.2:9/pixel.png'; }")
    panel = open_check(page)
    install = section(panel, "Install")
    expect(install).to_contain_text(
        "The page's Content-Security-Policy (img-src) blocked a load from 127.0.0.2:9."
    )
    expect(install).to_contain_text("Not a load of Dots")


def test_a_csp_that_blocks_the_panel_is_said_on_the_page(page: Page, stack: Stack) -> None:
    """The one CSP problem the panel cannot show itself: the page may not frame it.

    The policy comes in a <meta> the store adds after load (a response that
    Playwright rewrites would lose its loopback address space in Chromium, and
    with it every request to the widget server).
    """
    open_preview(page, stack, "/")
    page.evaluate(
        """() => {
            const meta = document.createElement("meta");
            meta.httpEquiv = "Content-Security-Policy";
            meta.content = "frame-src 'none'";
            document.head.append(meta);
        }"""
    )
    install_check(page).click()
    expect(page.get_by_role("status").filter(has_text="blocks the Dots panel")).to_have_text(
        f"This page's CSP blocks the Dots panel: add {stack.widget_url} to frame-src."
    )


def test_the_install_check_is_accessible_and_fits_a_phone(
    page: Page, stack: Stack, excluded: str
) -> None:
    open_preview(page, stack)
    panel = open_check(page)
    expect(section(panel, "Looks like a product, but no dot")).to_contain_text("Sold out")
    frame = panel_frame(page)
    assert_accessible(frame, "#view-diagnostics")
    assert_accessible(page, "dots-overlay")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "install-check-1280.png")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(PANEL_FRAME)).to_be_visible()
    assert horizontal_overflow(frame) == 0
    assert widget_outside_viewport(page) == []
    assert_accessible(frame, "#view-diagnostics")
    page.screenshot(path=SHOTS / "install-check-390.png")
    # Closed, the launcher and the Install check share the bottom bar on a phone.
    page.keyboard.press("Escape")
    expect(install_check(page)).to_be_focused()
    assert widget_outside_viewport(page) == []
    page.screenshot(path=SHOTS / "preview-390.png")
