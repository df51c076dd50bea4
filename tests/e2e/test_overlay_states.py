"""What the overlay says on its own, in a real browser (issue #7).

Refused links and their notice, the greeting and the launcher's words, dot
tooltips, the muted dot of a product over the brand's limit, the keyboard's
way in (skip control, dialog focus), the launcher that never covers a dot on
a phone, and the loader's ``dotsview``. The panel's side is tested with the
panel (``test_influencer_journey.py``); here the panel frame is only a peer
that receives messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Frame, Locator, Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import (
    BRAND,
    ON_SCREEN_DOTS,
    PANEL_FRAME,
    Stack,
    dot,
    dot_handles,
    panel_frame,
    stored_bag,
    tamper_link,
    wait_for_dots,
    widget_requests,
)

TOKEN_KEY = f"dots:{BRAND}"
SHEARLING, SHEARLING_TITLE = "heirloom-shearling-jacket", "Heirloom Shearling Jacket"
SOLD_OUT = "zurich-fleece-hoodie"  # every variant sold out: not in the catalog
TEE = "everyday-organic-tee"  # the home page's first card
ROOT = "dots-overlay"
NEXT_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def overlay(page: Page, selector: str) -> Locator:
    """An element of the overlay's shadow root (Playwright's CSS pierces open roots)."""
    return page.locator(f"{ROOT} {selector}")


def launcher(page: Page) -> Locator:
    return overlay(page, "button.launcher")


def listen_in_panel(page: Page) -> Frame:
    """The panel's frame, recording every message it gets from now on in ``window.__got``."""
    page.frame_locator(PANEL_FRAME).locator("body").wait_for(state="attached")
    frame = panel_frame(page)
    frame.wait_for_load_state()
    frame.evaluate(
        "() => { window.__got = []; addEventListener('message', (e) => __got.push(e.data)); }"
    )
    return frame


def panel_got(frame: Frame, type_: str) -> list[dict[str, Any]]:
    return frame.evaluate("t => __got.filter((m) => m && m.type === t)", type_)


# --- A link the server refuses ------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("tampered", "is not valid"),
        ("expired", "has expired"),
        ("revoked", "no longer active"),
    ],
)
def test_a_refused_link_shows_the_brands_notice_once(
    stack: Stack, page: Page, how: str, words: str
) -> None:
    """Tampered: the token in the URL; expired and revoked: the stored token of a visit
    (whose session call the loader sends, as the page loads: a returning view)."""
    invite = stack.invite("/")
    if how == "tampered":
        page.goto(tamper_link(invite.url))
    else:
        page.goto(invite.url)
        wait_for_dots(page, len(stack.catalog()))
        stack.expire(invite.link_id) if how == "expired" else stack.revoke(invite.link_id)
        page.reload()

    notice = page.get_by_role("status").filter(has_text="Northwind Supply")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(words)
    assert page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY) is None
    assert page.evaluate("k => localStorage.getItem(k)", TOKEN_KEY + ":v") is None
    assert stored_bag(page) is None
    assert dot_handles(page) == []
    expect(launcher(page)).to_have_count(0)
    assert_accessible(page, ROOT)

    # The notice's button is the page's first tab stop; it closes the notice.
    page.keyboard.press("Tab")
    dismiss = page.get_by_role("button", name="Dismiss")
    expect(dismiss).to_be_focused()
    page.keyboard.press("Enter")
    expect(notice).to_have_count(0)
    assert page.locator(ROOT).count() == 0

    # Once: the next page load is a shopper's (no request to the widget but the loader).
    requests = widget_requests(page, stack.widget_url)
    page.reload(wait_until="networkidle")
    assert [urlsplit(r.url).path for r in requests] == ["/v1/dots.js"]
    assert page.locator(ROOT).count() == 0


def test_a_shopper_with_a_dots_fragment_gets_nothing(stack: Stack, page: Page) -> None:
    requests = widget_requests(page, stack.widget_url)
    page.goto(f"{stack.store_url}/#dots=&dotsview=mine", wait_until="networkidle")
    assert [urlsplit(r.url).path for r in requests] == ["/v1/dots.js"]
    assert page.locator(ROOT).count() == 0
    assert page.evaluate("'__dots' in window") is False


# --- Greeting, launcher, tooltips ---------------------------------------------------------


def test_greeting_waits_for_a_visible_dot_and_says_click_or_tap(
    stack: Stack, page: Page, phone_page: Page
) -> None:
    invite = stack.invite(f"/products/{SOLD_OUT}")
    page.goto(invite.url)
    # A page whose only product can't be requested: no dot, no greeting, and the
    # launcher says so (and still opens My requests).
    expect(launcher(page)).to_have_text(
        "No products on this page can be requested", use_inner_text=True
    )
    expect(launcher(page)).to_have_accessible_name(
        "No products on this page can be requested. My requests"
    )
    page.evaluate(NEXT_FRAMES_JS)
    assert dot_handles(page) == []
    expect(overlay(page, ".toast")).to_have_count(0)
    assert_accessible(page, ROOT)
    launcher(page).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")

    # The next page has dots: now the greeting comes, for a mouse.
    page.goto(f"{stack.store_url}/")
    greeting = overlay(page, ".toast [role=status]")
    expect(greeting).to_have_text("Hi Creator! Click a dot on a product to request it.")
    expect(launcher(page)).to_have_text("My requests", use_inner_text=True)

    phone_page.goto(stack.invite("/").url)
    expect(overlay(phone_page, ".toast [role=status]")).to_have_text(
        "Hi Creator! Tap a dot on a product to request it."
    )


def test_each_dot_names_its_product_on_hover_and_focus(stack: Stack, page: Page) -> None:
    catalog = stack.catalog()
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(catalog))
    tip = overlay(page, ".tip")
    expect(tip).to_be_hidden()

    first = page.locator(ON_SCREEN_DOTS).first
    first.focus()
    handle = first.get_attribute("data-handle")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(catalog[handle])
    # Beside its dot, on screen.
    box, dot_box = tip.bounding_box(), first.bounding_box()
    assert box and dot_box
    assert abs(box["x"] + box["width"] - (dot_box["x"] + dot_box["width"])) <= 1
    assert box["x"] >= 0 and abs(box["y"] - (dot_box["y"] + dot_box["height"])) <= 4

    other = page.locator(ON_SCREEN_DOTS).nth(1)
    other.hover()
    expect(tip).to_have_text(catalog[other.get_attribute("data-handle")])
    page.mouse.move(1, 1)
    expect(tip).to_be_hidden()


# --- Products over the brand's limit ------------------------------------------------------


def test_a_product_over_the_limit_has_a_muted_dot_that_explains(stack: Stack, page: Page) -> None:
    page.goto(stack.invite(f"/products/{SHEARLING}").url)
    muted = dot(page, SHEARLING)
    expect(muted).to_have_accessible_name(
        f"{SHEARLING_TITLE}: over Northwind Supply's limit per request"
    )
    expect(muted).to_have_class("dot limit")
    grey = muted.locator(".pip").evaluate("el => getComputedStyle(el).backgroundColor")
    assert grey == "rgb(107, 114, 128)"

    # The panel opens on its "limit" view for this product; nothing enters the bag.
    launcher(page).click()
    frame = listen_in_panel(page)
    page.keyboard.press("Escape")
    muted.click()
    frame.wait_for_function("() => __got.some((m) => m.type === 'dots:open')")
    [opened] = panel_got(frame, "dots:open")
    assert (opened["view"], opened["handle"]) == ("limit", SHEARLING)
    assert opened["bag"]["lines"] == []
    assert (stored_bag(page) or {"lines": []})["lines"] == []


# --- Keyboard -----------------------------------------------------------------------------


def test_the_first_tab_reaches_the_skip_control_then_the_first_dot(
    stack: Stack, page: Page
) -> None:
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(stack.catalog()))
    # The host is the first element of <body>.
    assert page.evaluate("() => document.body.firstElementChild.localName") == ROOT

    skip = page.get_by_role("button", name="Go to the first dot")
    expect(skip).to_have_css("clip-path", "inset(50%)")  # hidden until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] > 100 and box["height"] >= 36  # a visible pill
    page.keyboard.press("Tab")
    expect(launcher(page)).to_be_focused()

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(dot(page, TEE)).to_be_focused()
    page.keyboard.press("Tab")
    second = page.locator(ON_SCREEN_DOTS).nth(1)
    expect(second).to_be_focused()


def test_the_dialog_keeps_focus_and_gives_it_back(stack: Stack, page: Page) -> None:
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(stack.catalog()))
    launcher(page).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    frame = dialog.locator("iframe")
    expect(frame).to_be_focused()
    # The panel's own keys (Escape) work once its page says it is ready.
    expect(dialog.locator(".dialog.ready")).to_be_attached()

    # Focus sent to the launcher, a dot or the store behind the dialog comes back.
    for target in (launcher(page), page.locator(ON_SCREEN_DOTS).first, page.locator("a").first):
        target.evaluate("el => el.focus()")
        expect(frame).to_be_focused()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher(page)).to_be_focused()


# --- A phone ------------------------------------------------------------------------------

# The launcher's box, and the boxes of every on-screen dot and product image.
BOXES_JS = """() => {
  const root = document.querySelector("dots-overlay").shadowRoot;
  const box = (el) => { const r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  return {
    launcher: box(root.querySelector("button.launcher")),
    dots: [...root.querySelectorAll("button.dot:not([hidden]):not(.off)")].map(box),
    images: [...document.querySelectorAll(".card img")].map(box),
  };
}"""


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_on_a_phone_the_launcher_never_covers_a_dot(stack: Stack, phone_page: Page) -> None:
    """Scroll so that each image of the launcher's column enters just behind the
    launcher, where its dot would go: the dot moves above it, or is off."""
    page = phone_page
    page.goto(stack.invite("/").url)
    wait_for_dots(page, len(stack.catalog()))
    start = page.evaluate(BOXES_JS)
    pad = start["launcher"]
    tops = [i[1] for i in start["images"] if i[2] - 44 < pad[2]]  # page y at scroll 0
    assert len(tops) >= 6, "the launcher's column has too few images to test"
    tested = 0
    for top in tops:
        y = round(top - (pad[1] - 8))  # the image's top 8 px above the launcher's top
        page.evaluate("y => window.scrollTo(0, y)", y)
        page.evaluate(NEXT_FRAMES_JS)
        boxes = page.evaluate(BOXES_JS)
        if page.evaluate("() => window.scrollY") != y:
            continue  # the bottom of the page: the image can't get there
        tested += 1
        assert any(overlaps(i, boxes["launcher"]) for i in boxes["images"]), y
        covered = [d for d in boxes["dots"] if overlaps(d, boxes["launcher"])]
        assert not covered, f"launcher over a dot at y={y}"
    assert tested >= 5


# --- The loader's view --------------------------------------------------------------------


def test_dotsview_mine_opens_my_requests_and_leaves_the_url(stack: Stack, page: Page) -> None:
    invite = stack.invite("/")
    page.goto(f"{invite.url}&dotsview=mine&dotsx=1&keep=1")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.url == f"{stack.store_url}/#keep=1"
    assert page.evaluate("() => window.__dots.view") == "mine"
    panel = page.frame_locator(PANEL_FRAME)
    expect(panel.get_by_role("heading", name="My requests")).to_be_visible()
