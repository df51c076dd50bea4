"""axe-core scans of everything an influencer sees: the overlay, each panel view
and the notice of a refused link, at desktop and phone widths, and no sideways
scrolling on a phone.

The first test proves the scanner can fail: a page broken on purpose, inside an
open shadow root and inside a frame of another origin, as the overlay and the
panel are.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Error, Page, expect

from tests.e2e.axe import assert_accessible, axe_violations
from tests.e2e.stack import (
    Invite,
    Stack,
    bag_line,
    dot_in_view,
    fill_address,
    fill_proposal,
    horizontal_overflow,
    panel_frame,
    panel_of,
    wait_for_dots,
    widget_outside_viewport,
)

TEE, TEE_TITLE = "everyday-organic-tee", "Everyday Organic Tee"
SHEARLING, SHEARLING_TITLE = "heirloom-shearling-jacket", "Heirloom Shearling Jacket"  # > $400

BROKEN_TOP = """<!doctype html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>A page with holes</h1><div id="host"></div>
<iframe src="http://frame.invalid/" title="Another origin"></iframe></main>
<script>
  document.getElementById("host").attachShadow({mode: "open"}).innerHTML =
    '<button class="unnamed"></button>';
</script></body></html>"""
BROKEN_FRAME = """<!doctype html><html lang="en"><head><title>Frame</title></head>
<body><main><img src="data:,"></main></body></html>"""


def test_the_scanner_fails_on_a_broken_page(context: BrowserContext, page: Page) -> None:
    """A button without a name in a shadow root, an image without alt in a foreign frame."""
    context.route(
        "http://top.invalid/**", lambda r: r.fulfill(body=BROKEN_TOP, content_type="text/html")
    )
    context.route(
        "http://frame.invalid/**", lambda r: r.fulfill(body=BROKEN_FRAME, content_type="text/html")
    )
    page.goto("http://top.invalid/")
    frame = page.frame(url="http://frame.invalid/")
    assert frame is not None

    with pytest.raises(AssertionError) as failed:
        assert_accessible(page, "#host")
    message = str(failed.value)
    assert "button-name (critical)" in message and "['#host', 'button']" in message

    with pytest.raises(AssertionError) as failed:
        assert_accessible(frame)
    assert "image-alt (critical)" in str(failed.value)

    # The page scan leaves the frame to its own scan rather than hang on it.
    assert [v["id"] for v in axe_violations(page)] == ["button-name"]
    # A context that matches nothing is an error, not a pass.
    with pytest.raises(Error, match="No elements found"):
        assert_accessible(page, "dots-overlay")


# --- What the influencer sees ---------------------------------------------------------------

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest, page: Page) -> int:
    """The page at a desktop's and at a phone's width."""
    pixels = WIDTHS[request.param]
    page.set_viewport_size({"width": pixels, "height": 900 if pixels > 400 else 844})
    return pixels


def assert_fits(page: Page, width: int) -> None:
    """On a phone, nothing of the widget sticks out sideways and the panel does not
    scroll sideways (the store's own page is the store's business)."""
    if width > 400:
        return
    assert widget_outside_viewport(page) == []
    for frame in [f for f in page.frames if "/v1/panel" in f.url]:
        assert horizontal_overflow(frame) == 0, "the panel scrolls sideways"


def open_home(stack: Stack, page: Page, **fields: object) -> Invite:
    invite = stack.invite("/", **fields)
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    return invite


def test_overlay_dots_launcher_and_greeting(stack: Stack, page: Page, width: int) -> None:
    open_home(stack, page)
    expect(page.locator("dots-overlay").get_by_role("status")).to_contain_text("a dot")
    expect(page.locator("dots-overlay button.launcher")).to_be_visible()
    assert_accessible(page, "dots-overlay")
    assert_fits(page, width)


def show_bag(stack: Stack, page: Page) -> None:
    open_home(stack, page)
    dot_in_view(page, TEE).click()
    expect(bag_line(panel_of(page), TEE_TITLE)).to_be_visible()


def show_proposal(stack: Stack, page: Page) -> None:
    show_bag(stack, page)
    proposal = panel_of(page).get_by_role("heading", name="Your proposal")
    proposal.scroll_into_view_if_needed()
    expect(proposal).to_be_in_viewport()


def show_sent(stack: Stack, page: Page) -> None:
    show_bag(stack, page)
    panel = panel_of(page)
    fill_proposal(panel)
    fill_address(panel)
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()


def show_my_requests(stack: Stack, page: Page) -> None:
    """One request in each state an influencer can meet."""
    invite = stack.invite("/")
    stack.submit_request(invite.link_id, [TEE])
    approved = stack.submit_request(invite.link_id, ["harbor-wool-beanie"])
    stack.decide(approved, "approved")
    denied = stack.submit_request(invite.link_id, ["market-canvas-tote"])
    stack.decide(denied, "denied", "We are not shipping totes this season.")
    withdrawn = stack.submit_request(invite.link_id, ["crew-sock-3-pack"])
    stack.withdraw(invite.link_id, withdrawn)
    page.goto(invite.url)
    wait_for_dots(page, len(stack.catalog()))
    page.locator("dots-overlay button.launcher").click()
    panel = panel_of(page)
    expect(panel.get_by_role("heading", name="My requests")).to_be_visible()
    expect(panel.get_by_text("We are not shipping totes this season.")).to_be_visible()


def show_limit(stack: Stack, page: Page) -> None:
    open_home(stack, page)
    dot_in_view(page, SHEARLING).click()
    expect(panel_of(page).get_by_role("region", name=SHEARLING_TITLE)).to_contain_text("$400.00")


def show_add_account(stack: Stack, page: Page) -> None:
    open_home(stack, page, handles=[])
    dot_in_view(page, TEE).click()
    panel = panel_of(page)
    expect(panel.get_by_role("group", name="Add a social account")).to_be_visible()


PANEL_VIEWS = {
    "bag": show_bag,
    "proposal": show_proposal,
    "sent": show_sent,
    "my-requests": show_my_requests,
    "limit": show_limit,
    "add-account": show_add_account,
}


@pytest.mark.parametrize("view", list(PANEL_VIEWS))
def test_panel_view(stack: Stack, page: Page, width: int, view: str) -> None:
    PANEL_VIEWS[view](stack, page)
    assert_accessible(panel_frame(page))
    assert_accessible(page, "dots-overlay")  # the dialog around the frame
    assert_fits(page, width)


def test_refused_link_notice(stack: Stack, page: Page, width: int) -> None:
    invite = stack.invite("/")
    stack.expire(invite.link_id)
    page.goto(invite.url)
    notice = page.get_by_role("status").filter(has_text="Northwind Supply")
    expect(notice).to_be_visible()
    host = notice.evaluate("el => el.getRootNode().host.localName")
    assert_accessible(page, host)
    assert_fits(page, width)
