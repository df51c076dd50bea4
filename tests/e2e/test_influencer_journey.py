"""The influencer's side of issue #7, as a new user walks it in a real browser.

Each journey ends where the brand looks: the stored request, read back through
the API (what the influencer's "My requests" shows) and the database (what the
review page shows), must hold exactly the variants and quantities the
influencer picked. The contract is ``docs/widget-protocol.md`` ("Since #7").
The journeys that send, state an account and withdraw (``@on_every_database``)
run on PostgreSQL too when it is configured, as in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import on_every_database
from tests.e2e.stack import (
    ADDRESS,
    DOTS,
    Invite,
    Stack,
    bag_line,
    choose,
    chosen,
    dot,
    dot_handles,
    dot_in_view,
    fill_address,
    fill_proposal,
    horizontal_overflow,
    panel_frame,
    panel_of,
    personal_data_on_page,
    stored_bag,
    tamper_link,
    wait_for_dots,
    widget_outside_viewport,
)

TOKEN_KEY = "dots:demo"
HOODIE, HOODIE_TITLE = "cafe-creme-hoodie", "Café Crème Hoodie"  # Size x Colour, XS / Oat first
BEANIE, BEANIE_TITLE = "harbor-wool-beanie", "Harbor Wool Beanie"  # Colour only
TEE, TEE_TITLE = "everyday-organic-tee", "Everyday Organic Tee"  # the home page's first card
SHEARLING, SHEARLING_TITLE = "heirloom-shearling-jacket", "Heirloom Shearling Jacket"  # > $400
SOLD_OUT = "zurich-fleece-hoodie"  # every variant sold out
NOTICE_EXPIRED = "This invitation from Northwind Supply has expired. Ask them for a new link."


def items_of(request: dict) -> set[tuple[str, str, int]]:
    """A request of ``/v1/requests/mine`` as (handle, variant title, quantity) triples."""
    return {(i["product_handle"], i["variant_title"], i["quantity"]) for i in request["items"]}


def bag_lines(page: Page) -> list[tuple[str, int, int]]:
    """The stored bag's lines as (handle, variant id, quantity)."""
    bag = stored_bag(page) or {"lines": []}
    return [(line["handle"], line["variant_id"], line["quantity"]) for line in bag["lines"]]


def wait_for_bag(page: Page, lines: list[tuple[str, int, int]]) -> None:
    """Wait until the stored bag holds exactly ``lines`` (the overlay saves after a
    message); if it never does, fail showing what it holds."""
    try:
        page.wait_for_function(
            """([key, want]) => {
              const bag = JSON.parse(localStorage.getItem(key) || "null");
              const got = bag ? bag.lines.map((l) => [l.handle, l.variant_id, l.quantity]) : [];
              return JSON.stringify(got) === JSON.stringify(want);
            }""",
            arg=[f"{TOKEN_KEY}:bag", [list(line) for line in lines]],
            timeout=10_000,
        )
    except PlaywrightTimeoutError:
        assert bag_lines(page) == lines, "the stored bag"


def assert_no_personal_data(page: Page, invite: Invite) -> None:
    """The store's page never holds the address or the email (they stay in the panel)."""
    leaked = personal_data_on_page(
        page, invite.email, ADDRESS["Address"], ADDRESS["Postal code"], ADDRESS["Full name"]
    )
    assert not leaked, f"personal data in the store's page: {leaked}"


def send(panel: FrameLocator) -> None:
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()


def open_launcher(page: Page) -> None:
    page.locator("dots-overlay button.launcher").click()


# --- Choices are kept ---------------------------------------------------------------------


@on_every_database
def test_the_bag_keeps_every_choice_across_pages_and_a_reload(stack: Stack, page: Page) -> None:
    """The bug of #5: M / Charcoal x 2 came back as XS / Oat x 1 on the next page."""
    invite = stack.invite(f"/products/{HOODIE}")
    charcoal_m = stack.variant_id(HOODIE, "M / Charcoal")
    beanie_sky = stack.variant_id(BEANIE, "Sky")
    page.goto(invite.url)
    dot_in_view(page, HOODIE).click()
    panel = panel_of(page)
    hoodie = bag_line(panel, HOODIE_TITLE)
    choose(hoodie, Size="M", Colour="Charcoal", Quantity="2")
    panel.get_by_label("How would you like to collaborate?").fill("Two looks, one reel.")
    wait_for_bag(page, [(HOODIE, charcoal_m, 2)])
    page.keyboard.press("Escape")

    # Navigation 1: a collection page. Navigation 2: another product page.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="All products"
    ).click()
    expect(page).to_have_url(f"{stack.store_url}/collections/all")
    wait_for_dots(page, len(stack.catalog()))
    assert bag_lines(page) == [(HOODIE, charcoal_m, 2)]
    page.locator(f'.card a[href="/products/{BEANIE}"]').first.click()
    expect(page).to_have_url(f"{stack.store_url}/products/{BEANIE}")
    dot_in_view(page, BEANIE).click()
    expect(panel.get_by_role("listitem")).to_have_count(2)
    assert chosen(bag_line(panel, HOODIE_TITLE), "Size", "Colour", "Quantity") == [
        "M",
        "Charcoal",
        "2",
    ]
    choose(bag_line(panel, BEANIE_TITLE), Colour="Sky")
    wait_for_bag(page, [(HOODIE, charcoal_m, 2), (BEANIE, beanie_sky, 1)])
    page.keyboard.press("Escape")

    # Navigation 3: home; then a reload; then the panel again, from the launcher.
    page.get_by_role("link", name="Home").first.click()
    expect(page).to_have_url(f"{stack.store_url}/")
    page.reload()
    wait_for_dots(page, len(stack.catalog()))
    open_launcher(page)
    assert chosen(bag_line(panel, HOODIE_TITLE), "Size", "Colour", "Quantity") == [
        "M",
        "Charcoal",
        "2",
    ]
    assert chosen(bag_line(panel, BEANIE_TITLE), "Colour", "Quantity") == ["Sky", "1"]
    expect(panel.get_by_label("How would you like to collaborate?")).to_have_value(
        "Two looks, one reel."
    )

    fill_proposal(panel)
    fill_address(panel)
    send(panel)

    want = {(HOODIE, "M / Charcoal", 2), (BEANIE, "Sky", 1)}
    [mine] = stack.my_requests(invite.token)["requests"]
    assert items_of(mine) == want
    assert {(i["variant_id"], tuple(i["option_values"])) for i in mine["items"]} == {
        (charcoal_m, ("M", "Charcoal")),
        (beanie_sky, ("Sky",)),
    }
    [stored] = stack.stored_requests(invite.link_id)
    assert set(stored["items"]) == want
    assert stored["shipping_address"]["country"] == "PT"
    # Sent products leave the bag; their dots say they were requested.
    wait_for_bag(page, [])
    expect(dot(page, HOODIE)).to_have_attribute("data-status", "pending")
    assert_no_personal_data(page, invite)


@pytest.mark.parametrize(
    ("handle", "in_url", "preselected"),
    [
        ("harbour-rain-jacket", "M / Navy", "M / Navy"),
        # The store's own page shows the sold-out M / Sage; the first available is chosen.
        ("coastal-sage-hoodie", "M / Sage", "XS / Sage"),
    ],
    ids=["available", "sold-out"],
)
def test_the_variant_of_the_page_is_preselected_unless_sold_out(
    stack: Stack, page: Page, handle: str, in_url: str, preselected: str
) -> None:
    store_id = stack.store_variant_id(handle, in_url)
    invite = stack.invite(f"/products/{handle}?variant={store_id}")
    page.goto(invite.url)
    title = stack.catalog()[handle]
    dot_in_view(page, handle).click()
    line = bag_line(panel_of(page), title)
    expect(line).to_be_visible()
    assert chosen(line, "Size", "Colour") == preselected.split(" / ")
    wait_for_bag(page, [(handle, stack.variant_id(handle, preselected), 1)])


# --- No dead ends -------------------------------------------------------------------------


@on_every_database
def test_an_influencer_without_handles_adds_one_and_sends(stack: Stack, page: Page) -> None:
    invite = stack.invite("/", handles=[])
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    dot_in_view(page, BEANIE).click()
    panel = panel_of(page)
    expect(bag_line(panel, BEANIE_TITLE)).to_be_visible()

    # With no account on file, the way to add one is already open.
    account = panel.get_by_role("group", name="Add a social account")
    expect(account).to_be_visible()
    account.get_by_label("Platform").select_option(label="TikTok")
    account.get_by_label("Handle").fill("@ana.lima")
    account.get_by_label("Followers").fill("12.5k")
    account.get_by_role("button", name="Add account").click()
    expect(panel.get_by_role("checkbox", name="TikTok")).to_be_checked()

    fill_proposal(panel, platform="TikTok")
    fill_address(panel)
    send(panel)

    [handle] = stack.handles_of(invite.link_id)
    assert (handle["platform"], handle["handle"], handle["followers"]) == (
        "tiktok",
        "ana.lima",
        12500,
    )
    assert handle["stated_at"] is not None
    [stored] = stack.stored_requests(invite.link_id)
    assert stored["proposal"]["platforms"] == ["tiktok"]
    assert stored["items"] == [(BEANIE, "Rust", 1)]
    assert_no_personal_data(page, invite)


def refuse(stack: Stack, invite: Invite, how: str) -> str:
    """Make the server refuse ``invite`` (``expired``, ``revoked``, ``tampered``); its URL."""
    if how == "expired":
        stack.expire(invite.link_id)
    elif how == "revoked":
        stack.revoke(invite.link_id)
    else:
        return tamper_link(invite.url)
    return invite.url


def widget_elements(page: Page) -> list[str]:
    """Elements the widget may have added: ``dots-*`` hosts or any shadow host."""
    return page.evaluate(
        "() => [...document.querySelectorAll('*')]"
        ".filter((el) => el.localName.startsWith('dots') || el.shadowRoot)"
        ".map((el) => el.localName)"
    )


def notices(page: Page) -> Locator:
    return page.get_by_role("status").filter(has_text="Northwind Supply")


@pytest.mark.parametrize(
    ("how", "arrival"),
    [
        ("expired", "link"),
        ("revoked", "link"),
        ("tampered", "link"),
        ("expired", "stored token"),
        ("revoked", "stored token"),
    ],
)
def test_a_refused_link_tells_the_influencer_once(
    stack: Stack, page: Page, how: str, arrival: str
) -> None:
    invite = stack.invite("/")
    if arrival == "stored token":
        page.goto(invite.url)
        wait_for_dots(page, len(stack.catalog()))
        refuse(stack, invite, how)
        page.reload()
    else:
        page.goto(refuse(stack, invite, how))

    notice = notices(page)
    expect(notice).to_have_count(1)
    expect(notice).to_be_visible()
    if how == "expired":
        expect(notice).to_have_text(NOTICE_EXPIRED)
    assert page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY) is None
    assert dot_handles(page) in (None, [])
    page.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)

    # Once: the token is forgotten, so the next page is a shopper's page.
    page.reload(wait_until="networkidle")
    assert widget_elements(page) == []


def test_a_shopper_sees_nothing_and_no_notice_exists(stack: Stack, page: Page) -> None:
    for path in ("/", f"/products/{HOODIE}", "/#dots="):
        page.goto(f"{stack.store_url}{path}", wait_until="networkidle")
        assert widget_elements(page) == [], path
        expect(page.get_by_text("invitation")).to_have_count(0)


# --- My requests --------------------------------------------------------------------------


@on_every_database
def test_withdraw_then_request_again_refills_the_bag(stack: Stack, page: Page) -> None:
    invite = stack.invite("/")
    charcoal_m = stack.variant_id(HOODIE, "M / Charcoal")
    stack.submit_request(
        invite.link_id, [HOODIE], items=[{"variant_id": charcoal_m, "quantity": 2}]
    )
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    expect(dot(page, HOODIE)).to_have_attribute("data-status", "pending")

    open_launcher(page)
    panel = panel_of(page)
    expect(panel.get_by_role("heading", name="My requests")).to_be_visible()
    request = panel.get_by_role("listitem").filter(has_text=HOODIE_TITLE).first
    expect(request).to_contain_text("M / Charcoal")
    expect(request).to_contain_text("Quantity 2")
    request.get_by_role("button", name="Withdraw").click()
    request.get_by_role("button", name="Withdraw request").click()  # confirmed
    expect(request).to_contain_text("Withdrawn")

    [mine] = stack.my_requests(invite.token)["requests"]
    assert mine["status"] == "withdrawn"
    [stored] = stack.stored_requests(invite.link_id)
    assert (stored["status"], stored["events"]) == ("withdrawn", ["submitted", "withdrawn"])

    request.get_by_role("button", name="Request again").click()
    line = bag_line(panel, HOODIE_TITLE)
    expect(line).to_be_visible()
    assert chosen(line, "Size", "Colour", "Quantity") == ["M", "Charcoal", "2"]
    wait_for_bag(page, [(HOODIE, charcoal_m, 2)])


# --- Products the brand won't give --------------------------------------------------------


@pytest.fixture
def excluded(stack: Stack) -> Iterator[str]:
    """A product the brand excluded for this test only (the stack is shared)."""
    stack.exclude("aero-wool-scarf")
    yield "aero-wool-scarf"
    stack.exclude("aero-wool-scarf", excluded=False)


def test_excluded_products_get_no_dot_and_over_limit_ones_explain(
    stack: Stack, page: Page, excluded: str
) -> None:
    invite = stack.invite("/")
    page.goto(invite.url)
    catalog = stack.catalog()
    assert excluded not in catalog and SOLD_OUT not in catalog and SHEARLING in catalog
    wait_for_dots(page, len(catalog))
    assert dot_handles(page) == sorted(catalog)

    # Muted: a screen reader hears why, before the click.
    expect(dot(page, SHEARLING)).to_have_accessible_name(re.compile(r"\blimit\b"))
    dot_in_view(page, SHEARLING).click()
    panel = panel_of(page)
    expect(panel.get_by_role("region", name=SHEARLING_TITLE)).to_contain_text("$400.00")
    expect(panel.get_by_role("button", name="Send request")).to_be_hidden()
    page.keyboard.press("Escape")
    assert bag_lines(page) == []


# --- Keyboard only ------------------------------------------------------------------------


def is_focused(target: Locator) -> bool:
    return target.evaluate("el => el.getRootNode().activeElement === el && document.hasFocus()")


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until ``target`` has focus; fail after ``limit`` presses."""
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press("Tab")
    assert is_focused(target), f"{target} is not reachable by Tab"


def test_keyboard_only_from_the_first_tab_to_request_sent(stack: Stack, page: Page) -> None:
    invite = stack.invite("/")
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))

    # The skip control is among the first few stops, before the store's own links.
    skip = page.get_by_role("button", name="Go to the first dot")
    tab_to(page, skip, limit=3)
    page.keyboard.press("Enter")
    first = page.locator(f"{DOTS}[data-handle='{TEE}']")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")

    panel = panel_of(page)
    line = bag_line(panel, TEE_TITLE)
    expect(line).to_be_visible()
    tab_to(page, line.get_by_label("Size", exact=True))
    page.keyboard.type("M")
    tab_to(page, line.get_by_label("Colour", exact=True))
    page.keyboard.type("Sage")
    tab_to(page, line.get_by_label("Quantity", exact=True))
    page.keyboard.type("2")
    for name in ("Reel", "Instagram"):
        tab_to(page, panel.get_by_role("checkbox", name=name))
        page.keyboard.press("Space")
    when = date.today() + timedelta(days=14)
    tab_to(page, panel.get_by_label("Planned publish date"))
    page.keyboard.type(when.strftime("%m%d%Y"))
    tab_to(page, panel.get_by_label("How would you like to collaborate?"))
    page.keyboard.type("A reel in the rain.")
    for label, value in ADDRESS.items():
        tab_to(page, panel.get_by_label(label, exact=True))
        page.keyboard.type(value)
    tab_to(page, panel.get_by_label("Country", exact=True))
    page.keyboard.type("Portugal")
    tab_to(page, panel.get_by_role("button", name="Send request"))
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()

    [stored] = stack.stored_requests(invite.link_id)
    assert stored["items"] == [(TEE, "M / Sage", 2)]
    assert stored["proposal"]["publish_on"] == when.isoformat()
    assert stored["shipping_address"]["country"] == "PT"
    assert_no_personal_data(page, invite)


# --- A phone ------------------------------------------------------------------------------

# Every on-screen dot and the launcher: boxes that overlap (launcher over a dot).
LAUNCHER_OVER_DOTS_JS = """() => {
  const root = document.querySelector("dots-overlay").shadowRoot;
  const launcher = root.querySelector("button.launcher").getBoundingClientRect();
  return [...root.querySelectorAll("button.dot:not([hidden]):not(.off)")]
    .filter((dot) => {
      const r = dot.getBoundingClientRect();
      return r.left < launcher.right && launcher.left < r.right
        && r.top < launcher.bottom && launcher.top < r.bottom;
    })
    .map((dot) => dot.dataset.handle);
}"""
NEXT_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def test_a_phone_requests_by_taps(stack: Stack, phone: BrowserContext, phone_page: Page) -> None:
    # Whatever the store's own page does sideways, the widget must add nothing to it.
    shopper = phone.new_page()
    shopper.goto(f"{stack.store_url}/", wait_until="networkidle")
    store_overflow = horizontal_overflow(shopper)
    shopper.close()

    page = phone_page
    invite = stack.invite("/")
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    expect(page.locator("dots-overlay").get_by_role("status")).to_contain_text("Tap a dot")

    # Down the whole page: the launcher never covers a dot, nothing sticks out.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for y in range(0, height, 300):
        page.evaluate("y => window.scrollTo(0, y)", y)
        page.evaluate(NEXT_FRAMES_JS)
        assert page.evaluate(LAUNCHER_OVER_DOTS_JS) == [], f"launcher over a dot at y={y}"
        outside = widget_outside_viewport(page)
        assert outside == [], f"at y={y}: {outside}"
    assert horizontal_overflow(page) == store_overflow

    page.evaluate("() => window.scrollTo(0, 0)")
    dot_in_view(page, HOODIE).tap()
    panel = panel_of(page)
    line = bag_line(panel, HOODIE_TITLE)
    choose(line, Size="M", Colour="Charcoal", Quantity="2")
    assert horizontal_overflow(panel_frame(page)) == 0
    fill_proposal(panel, tap=True)
    fill_address(panel)
    panel.get_by_role("button", name="Send request").tap()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    assert horizontal_overflow(panel_frame(page)) == 0
    outside = widget_outside_viewport(page)
    assert outside == [], outside
    assert horizontal_overflow(page) == store_overflow

    [stored] = stack.stored_requests(invite.link_id)
    assert stored["items"] == [(HOODIE, "M / Charcoal", 2)]
    assert_no_personal_data(page, invite)
