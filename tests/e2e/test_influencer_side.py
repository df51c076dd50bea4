"""The influencer's side of the collaboration in a real browser (#11 item 2).

In the overlay's panel: My requests shows the parcel's tracking, the due
date and the timeline, and takes the content (a post link and an uploaded
PNG) that the brand then sees on its request page. The standalone page
(``/v1/me/<brand>#dots=…``) shows the same view from an email link on any
device, and takes the token out of the address bar at once.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import FrameLocator, Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import on_every_database
from tests.e2e.panel_harness import Harness
from tests.e2e.stack import BRAND, BRAND_USER, Stack, horizontal_overflow, token_of
from tests.test_content_uploads import png
from widget_server.db import session
from widget_server.product_requests import lifecycle

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
HOODIE_TITLE = "Café Crème Hoodie"
TRACKING = "https://tracking.example/1Z999AA10123456784"


def delivered(stack: Stack, **fields: object) -> tuple[str, int, int]:
    """A new influencer with a delivered hoodie: ``(their link URL, link id, request id)``."""
    invite = stack.invite("/", **fields)
    request_id = stack.submit_request(invite.link_id, ["cafe-creme-hoodie"])
    stack.decide(request_id, "approved")
    with stack.widget_app.app_context():
        lifecycle.ship(request_id, BRAND_USER[0], "UPS", "1Z999AA10123456784", TRACKING)
        lifecycle.mark_delivered(request_id, "store")
        session.commit()
    return invite.url, invite.link_id, request_id


def card(panel: FrameLocator | Page, request_id: int):
    return panel.locator("#mine-list > li").filter(has=panel.locator(f"#request-{request_id}"))


def sign_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.widget_url}/review/login")
    page.get_by_label("Email").fill(BRAND_USER[0])
    page.get_by_label("Password").fill(BRAND_USER[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")


@on_every_database
def test_content_with_a_link_and_a_screenshot_reaches_the_brand(page: Page, stack: Stack) -> None:
    url, _link_id, request_id = delivered(stack)
    panel = Harness(page, stack, url).open(view="mine")
    mine = card(panel, request_id)
    expect(mine.get_by_role("heading").first).to_contain_text("Delivered")
    expect(mine).to_contain_text("UPS · 1Z999AA10123456784")
    track = mine.get_by_role("link", name="Track the parcel")
    expect(track).to_have_attribute("href", TRACKING)
    expect(track).to_have_attribute("rel", "noopener noreferrer")
    expect(mine).to_contain_text("Content due: ")
    expect(mine.locator(".timeline li")).to_have_count(4)  # sent, approved, shipped, delivered
    expect(mine.locator(".timeline")).to_contain_text("Shipped by Northwind Supply")
    expect(mine.locator(".timeline")).to_contain_text("Delivered by the store")
    expect(mine.locator(".timeline")).not_to_contain_text("@")

    form = mine.locator("form.content-form")
    form.get_by_label("Post link 1").fill("https://www.instagram.com/p/dots-hoodie/")
    form.get_by_label("Screenshots").set_input_files(
        [{"name": "my post.png", "mimeType": "image/png", "buffer": png(64, 48)}]
    )
    form.get_by_role("button", name="Send content").click()
    expect(mine.get_by_role("heading").first).to_contain_text("Content sent")
    expect(panel.locator("#mine-status")).to_have_text(
        "Content sent. Northwind Supply will review it."
    )
    expect(mine).to_contain_text("You sent 1 link and 1 screenshot.")

    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    thumb = page.locator("#screenshots img")
    expect(thumb).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#screenshots img').naturalWidth === 64")
    full = page.locator("#screenshots a").get_attribute("href")
    assert full and full.startswith(f"/review/requests/{request_id}/screenshots/")
    answer = page.request.get(f"{stack.widget_url}{full}")
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert_accessible(page)
    page.locator("#screenshots").screenshot(path=str(DOCS_IMG / "influencer-brand-screenshots.png"))


def test_a_renamed_script_and_a_bad_link_are_shown_by_their_fields(
    page: Page, stack: Stack
) -> None:
    url, _link_id, request_id = delivered(stack)
    panel = Harness(page, stack, url).open(view="mine")
    form = card(panel, request_id).locator("form.content-form")
    form.get_by_label("Post link 1").fill("not a link")
    form.get_by_label("Screenshots").set_input_files(
        [{"name": "shell.png", "mimeType": "image/png", "buffer": b"<?php echo 1; ?>"}]
    )
    form.get_by_role("button", name="Send content").click()
    # The links are checked first (422): the link's own error, focused.
    expect(form.locator('[data-error-for$=".urls.0"]')).to_be_visible()
    expect(form.get_by_label("Post link 1")).to_be_focused()
    form.get_by_label("Post link 1").fill("https://www.tiktok.com/@ana/video/1")
    form.get_by_role("button", name="Send content").click()
    error = form.locator('[data-error-for$=".screenshots"]')
    expect(error).to_have_text("shell.png is not a PNG, JPEG, WebP or GIF image.")
    expect(form.get_by_label("Screenshots")).to_be_focused()
    expect(form.get_by_label("Screenshots")).to_have_attribute("aria-invalid", "true")
    assert stack.stored_requests(_link_id)[0]["status"] == "delivered"


def test_the_panel_view_is_accessible_and_fits_a_phone(page: Page, stack: Stack) -> None:
    url, _link_id, request_id = delivered(stack)
    page.set_viewport_size({"width": 390, "height": 844})
    harness = Harness(page, stack, url)
    panel = harness.open(view="mine")
    expect(card(panel, request_id).locator("form.content-form")).to_be_visible()
    assert horizontal_overflow(harness.frame) == 0
    assert_accessible(harness.frame)
    page.screenshot(path=str(DOCS_IMG / "influencer-panel.png"), full_page=True)


def test_the_standalone_page_from_the_email_link(page: Page, stack: Stack) -> None:
    url, link_id, request_id = delivered(stack)
    token = token_of(url)
    page.set_viewport_size({"width": 390, "height": 844})
    answer = page.goto(f"{stack.widget_url}/v1/me/{BRAND}#dots={token}")
    assert answer is not None
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["referrer-policy"] == "no-referrer"
    mine = card(page, request_id)
    expect(mine.get_by_role("heading").first).to_contain_text("Delivered")
    # The token left the address bar (and history) as soon as the page read it.
    assert "#" not in page.url and token not in page.url
    expect(page.get_by_role("heading", name="My requests", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Close")).to_be_hidden()
    expect(mine).to_contain_text("UPS · 1Z999AA10123456784")
    expect(mine.locator(".timeline")).to_contain_text("Request sent by you")
    assert horizontal_overflow(page) == 0
    assert_accessible(page)
    page.screenshot(path=str(DOCS_IMG / "influencer-page.png"), full_page=True)

    # A reload keeps working for this tab; the keyboard reaches the tracking link and the form.
    page.reload()
    expect(card(page, request_id).get_by_role("heading").first).to_contain_text("Delivered")
    page.locator("body").focus()
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("() => document.activeElement.textContent || document.activeElement.id")
        )
    assert "Track the parcel" in reached
    assert any(str(item).endswith("-url-0") for item in reached)

    # The same page without a token says where to find it.
    fresh = page.context.new_page()
    fresh.goto(f"{stack.widget_url}/v1/me/{BRAND}")
    expect(fresh.locator("#notice")).to_contain_text("Open this page from the link")
    fresh.close()
    assert link_id
