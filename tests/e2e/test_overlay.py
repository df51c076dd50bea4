"""The overlay in a real browser: shoppers, the influencer's link and request, dead links.

Store pages other than the home grid (client-side routing, infinite scroll,
other markup, hostile CSS, strict CSP) are in ``test_overlay_pages.py``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, expect
from sqlalchemy import select

from tests.e2e.stack import (
    BRAND,
    DOTS,
    ON_SCREEN_DOTS,
    PANEL_FRAME,
    Stack,
    dot_handles,
    wait_for_dots,
    widget_requests,
)
from widget_server.brands.services import find_brand
from widget_server.catalog.models import Product, Variant
from widget_server.catalog.services import requestable_products
from widget_server.db import session
from widget_server.product_requests.models import ProductRequest

README = Path(__file__).resolve().parents[2] / "README.md"
TOKEN_KEY = f"dots:{BRAND}"
SNIPPET_BUDGET = 400


def token_of(link: str) -> str:
    return unquote(link.rsplit("dots=", 1)[1])


def stored_token(page: Page) -> str | None:
    return page.evaluate("key => localStorage.getItem(key)", TOKEN_KEY)


def paths(requests: list[Request]) -> list[str]:
    return [f"{r.method} {urlsplit(r.url).path}" for r in requests]


# --- Shoppers -----------------------------------------------------------------------------


def readme_snippet() -> str:
    """The inline snippet of README.md's "Installing the widget" section."""
    match = re.search(r"<script>\(function\(b,h\).*?</script>", README.read_text("utf-8"))
    assert match, "README.md lost its inline snippet"
    return match.group(0)


def install_snippet(context: BrowserContext, stack: Stack, path: str) -> None:
    """Serve the store's home page at ``path`` with the inline snippet instead of the tag."""
    snippet = (
        readme_snippet()
        .replace("your-slug", BRAND)
        .replace("https://WIDGET_HOST", stack.widget_url)
    )

    def handle(route: Route) -> None:
        home = route.fetch(url=f"{stack.store_url}/")
        html, tags = re.subn(
            r'<script async src="[^"]+/v1/dots\.js"[^>]*></script>', "", home.text()
        )
        assert tags == 1, "the store's page lost its widget tag"
        route.fulfill(response=home, body=html.replace("</head>", snippet + "</head>"))

    context.route(f"{stack.store_url}{path}", handle)
    # Chromium counts a page fulfilled by Playwright as public, and Local Network
    # Access then blocks its requests to the loopback widget host; the real store
    # page is on loopback itself, so it needs no such grant.
    context.grant_permissions(["local-network-access"], origin=stack.store_url)


def test_readme_snippet_fits_its_budget() -> None:
    assert len(readme_snippet().encode("utf-8")) <= SNIPPET_BUDGET


@pytest.mark.parametrize(
    ("install", "expected"),
    [("tag", ["GET /v1/dots.js"]), ("snippet", [])],
    ids=["script-tag", "inline-snippet"],
)
def test_shopper_gets_nothing(
    stack: Stack, context: BrowserContext, page: Page, install: str, expected: list[str]
) -> None:
    """No token: one loader request (none with the snippet); no overlay, global or DOM change."""
    path = "/snippet-shop" if install == "snippet" else "/"
    if install == "snippet":
        install_snippet(context, stack, path)
    requests = widget_requests(page, stack.widget_url)
    page.goto(f"{stack.store_url}{path}", wait_until="networkidle")
    assert paths(requests) == expected
    assert page.locator("dots-overlay").count() == 0
    assert page.evaluate("'__dots' in window") is False
    assert stored_token(page) is None
    with_widget = page.evaluate("[document.documentElement.outerHTML, Object.keys(window)]")

    # The same page with the widget host unreachable is the page without the loader.
    page.route(f"{stack.widget_url}/**", lambda route: route.abort())
    page.reload(wait_until="networkidle")
    without_widget = page.evaluate("[document.documentElement.outerHTML, Object.keys(window)]")
    assert with_widget == without_widget


def test_inline_snippet_loads_the_loader_for_an_influencer(
    stack: Stack, context: BrowserContext, page: Page
) -> None:
    install_snippet(context, stack, "/snippet-shop")
    link, _ = stack.influencer_link("/snippet-shop")
    requests = widget_requests(page, stack.widget_url)
    page.goto(link)
    wait_for_dots(page, len(stack.catalog()))
    assert "GET /v1/dots.js" in paths(requests)
    assert stored_token(page) == token_of(link)


def test_the_link_works_when_the_page_rewrote_its_url_first(
    stack: Stack, context: BrowserContext, page: Page
) -> None:
    """A store's own script may rewrite the URL before the (async) loader runs, the
    fragment with the token gone: Shopify Hydrogen's product page puts the selected
    variant's options in the query with history.replaceState. The loader then reads
    the fragment of the URL the page was opened with."""
    rewrite = (
        "<script>history.replaceState(history.state, '', "
        "location.pathname + '?Color=Blue')</script>"
    )

    def handle(route: Route) -> None:
        home = route.fetch(url=f"{stack.store_url}/")
        html = home.text()
        tag = html.index('<script async src="')
        route.fulfill(response=home, body=html[:tag] + rewrite + html[tag:])

    context.route(f"{stack.store_url}/rewritten", handle)
    context.grant_permissions(["local-network-access"], origin=stack.store_url)
    link, _ = stack.influencer_link("/rewritten")
    page.goto(link)
    wait_for_dots(page, len(stack.catalog()))
    assert stored_token(page) == token_of(link)
    assert page.evaluate("location.href") == f"{stack.store_url}/rewritten?Color=Blue"


# --- The influencer's link and request ----------------------------------------------------


def pick_variant(stack: Stack, handle: str) -> tuple[Variant, dict[str, list[str]]]:
    """An available variant other than the one the panel preselects (the dearest,
    then the last), and the colours sold out in each size."""
    with stack.widget_app.app_context():
        # Other brands of the shared stack may sell the same handles.
        brand_id = find_brand(BRAND).id
        product = session.scalars(
            select(Product).where(Product.brand_id == brand_id, Product.handle == handle)
        ).one()
        available = [v for v in product.variants if v.available]
        choice = max(reversed(available), key=lambda v: v.price_minor)
        assert choice is not available[0], "pick a product with several variants"
        sold_out: dict[str, list[str]] = {v.option_values[0]: [] for v in product.variants}
        for v in product.variants:
            if not v.available:
                sold_out[v.option_values[0]].append(v.option_values[1])
        session.expunge(choice)
        return choice, sold_out


def test_influencer_link_dots_request_and_status(stack: Stack, page: Page) -> None:
    catalog = stack.catalog()
    link, link_id = stack.influencer_link("/#top")
    page.goto(link)

    # The token leaves the URL (other fragment content stays) for brand-scoped storage.
    wait_for_dots(page, len(catalog))
    assert page.url == f"{stack.store_url}/#top"
    assert stored_token(page) == token_of(link)
    # A dot on every product of the catalog, including the one whose card shows a
    # placeholder instead of an image: it is a catalog product like any other.
    assert dot_handles(page) == sorted(catalog)
    assert page.locator(".card-placeholder").count() == 1
    expect(page.get_by_role("button", name="Request Gift Card Sleeve", exact=True)).to_be_attached()

    handle, title = "harbour-rain-jacket", catalog["harbour-rain-jacket"]
    variant, sold_out = pick_variant(stack, handle)
    page.locator(
        ".card", has=page.locator(f'a[href="/products/{handle}"]')
    ).scroll_into_view_if_needed()
    page.get_by_role("button", name=f"Request {title}", exact=True).click()

    panel = page.frame_locator(PANEL_FRAME)
    expect(panel.locator("#bag-list li")).to_have_count(1)
    # Colours sold out in the chosen size are offered but disabled.
    sizes, colours = (panel.get_by_label(name, exact=True) for name in ("Size", "Colour"))
    size, colour = variant.option_values
    with_sold_out = next(s for s, gone in sold_out.items() if gone and s != size)
    for choice in (with_sold_out, size):
        sizes.select_option(choice)
        disabled = colours.locator("option[disabled]").evaluate_all("os => os.map(o => o.value)")
        assert sorted(disabled) == sorted(sold_out[choice]), choice
    colours.select_option(colour)
    expect(panel.locator("#bag-list .line-unit")).to_contain_text(
        f"${variant.price_minor // 100}.{variant.price_minor % 100:02d}"
    )

    panel.locator("label[for=content-type-reel]").click()
    panel.locator("label[for=platform-instagram]").click()
    panel.get_by_label("Planned publish date").fill((date.today() + timedelta(days=14)).isoformat())
    panel.get_by_label("How would you like to collaborate?").fill("A rainy-day reel, two looks.")
    panel.get_by_label("Link 1").fill("https://instagram.com/creator")
    panel.get_by_label("Full name").fill("Ana Lima")
    panel.get_by_label("Address", exact=True).fill("Rua Augusta 100")
    panel.get_by_label("City").fill("Lisboa")
    panel.get_by_label("Postal code").fill("1100-053")
    panel.get_by_label("Country", exact=True).select_option(label="Portugal")  # stored as PT
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    dot = page.locator(f'{DOTS}[data-handle="{handle}"]')
    expect(dot).to_have_accessible_name(f"Requested: {title}")

    page.reload()
    wait_for_dots(page, len(catalog))
    expect(dot).to_have_accessible_name(f"Requested: {title}")
    expect(dot).to_have_attribute("data-status", "pending")
    expect(page.locator(f"{DOTS}[data-status=pending]")).to_have_count(1)

    with stack.widget_app.app_context():
        request = session.scalars(
            select(ProductRequest).where(ProductRequest.link_id == link_id)
        ).one()
        [item] = request.items
        stored = session.get(Variant, item.variant_id)
        assert (item.product_handle, item.product_title) == (handle, title)
        assert stored.option_values == [size, colour]
        assert item.quantity == 1
        assert item.unit_price_minor == stored.price_minor == variant.price_minor
        assert request.total_minor == variant.price_minor
        assert request.status == "pending"
        assert [event.kind for event in request.events] == ["submitted"]
        assert request.proposal["content_types"] == ["reel"]
        assert request.proposal["platforms"] == ["instagram"]
        assert request.shipping_address["city"] == "Lisboa"
        assert request.shipping_address["country"] == "PT"


def over_limit_titles(stack: Stack) -> set[str]:
    """Titles of the catalog products whose cheapest available variant is over the limit."""
    with stack.widget_app.app_context():
        return {p.title for p in requestable_products(find_brand(BRAND)) if p.over_limit}


@pytest.mark.parametrize("opener", ["dot", "launcher"])
def test_dots_are_accessible_and_the_dialog_returns_focus(
    stack: Stack, page: Page, opener: str
) -> None:
    catalog = stack.catalog()
    link, _ = stack.influencer_link("/")
    page.goto(link)
    wait_for_dots(page, len(catalog))

    dots = page.locator(DOTS)
    names = dots.evaluate_all("dots => dots.map(d => [d.tagName, d.getAttribute('aria-label')])")
    # A product over the brand's value limit has a muted dot that says so.
    over = over_limit_titles(stack)
    assert over, "the demo catalog has a product over the limit"
    assert sorted(names) == sorted(
        [
            "BUTTON",
            f"{t}: over Northwind Supply's limit per request" if t in over else f"Request {t}",
        ]
        for t in catalog.values()
    )
    on_screen = page.locator(ON_SCREEN_DOTS)
    expect(on_screen.first).to_be_visible()
    for box in (on_screen.nth(i).bounding_box() for i in range(on_screen.count())):
        assert box and box["width"] >= 44 and box["height"] >= 44, box

    launcher = page.locator("dots-overlay button.launcher")
    expect(launcher).to_contain_text("My requests")
    if opener == "dot":
        target = page.locator(
            f'{DOTS}[data-handle="{on_screen.first.get_attribute("data-handle")}"]'
        )
    else:
        target = launcher
    target.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("iframe")).to_be_focused()
    heading = "Your picks" if opener == "dot" else "My requests"
    expect(page.frame_locator(PANEL_FRAME).get_by_role("heading", name=heading)).to_be_visible()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(target).to_be_focused()
