"""The request panel in a real browser, driven through a fake overlay (issue #7).

``panel_harness.Harness`` frames ``/v1/panel`` on the store's origin and plays
the overlay's side of the protocol, so each test sets the stored bag it
starts from and reads the messages the panel sends back. The journey through
the real overlay is in ``test_influencer_journey.py``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, Route, expect
from sqlalchemy import update

from tests.e2e.axe import assert_accessible
from tests.e2e.panel_harness import Harness
from tests.e2e.stack import (
    Stack,
    bag_line,
    choose,
    chosen,
    fill_address,
    fill_proposal,
    horizontal_overflow,
    panel_frame,
)
from tests.factories import make_brand, make_link, make_product, make_request
from widget_server import clock
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "panel"
HOODIE, HOODIE_TITLE = "cafe-creme-hoodie", "Café Crème Hoodie"
TEE, TEE_TITLE = "everyday-organic-tee", "Everyday Organic Tee"
JACKET, JACKET_TITLE = "harbour-rain-jacket", "Harbour Rain Jacket"
CAP, CAP_TITLE = "coastline-6-panel-cap", "Coastline 6-Panel Cap"
SLEEVE, SLEEVE_TITLE = "gift-card-sleeve", "Gift Card Sleeve"
SOCKS = "crew-sock-3-pack"
SHEARLING = "heirloom-shearling-jacket"  # $1,299.00: over the brand's $400.00 limit


def harness_for(page: Page, stack: Stack, **fields: Any) -> tuple[Harness, int]:
    """A harness for a new influencer (``fields`` as ``stack.invite`` takes), and the link id."""
    invite = stack.invite("/", **fields)
    return Harness(page, stack, invite.url), invite.link_id


def hoodie_line(stack: Stack, title: str = "M / Charcoal", quantity: int = 2) -> dict[str, Any]:
    return {"handle": HOODIE, "variant_id": stack.variant_id(HOODIE, title), "quantity": quantity}


def expire_request(stack: Stack, request_id: int) -> None:
    """Let a pending request run out of time, and the sweeper expire it."""
    with stack.widget_app.app_context():
        session.execute(
            update(ProductRequest)
            .where(ProductRequest.id == request_id)
            .values(expires_at=clock.now() - timedelta(minutes=1))
        )
        states.expire_due(100)
        session.commit()


def request_card(panel: FrameLocator, title: str):
    """The card in My requests whose items include ``title``."""
    return panel.locator("#mine-list > li").filter(has=panel.get_by_text(title, exact=True))


def keep_shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


# --- The bag: the overlay's stored choices, exactly -----------------------------------------


def test_bag_shows_the_stored_choices_and_sends_every_change(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack)
    tee = {"handle": TEE, "variant_id": stack.variant_id(TEE, "S / Sage"), "quantity": 1}
    panel = harness.open(lines=[hoodie_line(stack), tee])
    hoodie = bag_line(panel, HOODIE_TITLE)
    assert chosen(hoodie, "Size", "Colour", "Quantity") == ["M", "Charcoal", "2"]
    assert chosen(bag_line(panel, TEE_TITLE), "Size", "Colour", "Quantity") == ["S", "Sage", "1"]
    expect(hoodie.locator(".line-total")).to_have_text("$168.00")
    expect(panel.locator("#total")).to_have_text("$215.00")
    # Showing the bag changes nothing: no message until the influencer acts.
    assert harness.messages("bag") == []

    choose(hoodie, Quantity="1")
    sent = harness.wait_for_bag("m => m.lines[0].quantity === 1")
    assert sent["lines"] == [hoodie_line(stack, quantity=1), tee]
    choose(hoodie, Colour="Oat")
    m_oat = stack.variant_id(HOODIE, "M / Oat")
    sent = harness.wait_for_bag(f"m => m.lines[0].variant_id === {m_oat}")
    assert sent["lines"] == [hoodie_line(stack, "M / Oat", 1), tee]

    # The proposal goes as the draft: checkboxes at once, typing after a pause.
    panel.get_by_role("checkbox", name="Reel").check()
    sent = harness.wait_for_bag("m => m.draft.content_types.includes('reel')")
    assert sent["draft"]["platforms"] == []
    before = len(harness.messages("bag"))
    message = panel.get_by_label("How would you like to collaborate?")
    message.press_sequentially("Two looks", delay=20)
    harness.wait_for_bag("m => m.draft.message === 'Two looks'")
    assert len(harness.messages("bag")) - before == 1, "typing is sent once, after a pause"
    publish = (date.today() + timedelta(days=20)).isoformat()
    panel.get_by_label("Planned publish date").fill(publish)
    panel.get_by_label("Link 1").fill("https://example.com/reel")
    panel.get_by_role("checkbox", name="TikTok").check()
    sent = harness.wait_for_bag(
        f"m => m.draft.publish_on === '{publish}' && m.draft.platforms.includes('tiktok')"
        " && m.draft.links[0] === 'https://example.com/reel'"
    )
    assert sent["draft"] == {
        "content_types": ["reel"],
        "platforms": ["tiktok"],
        "publish_on": publish,
        "message": "Two looks",
        "links": ["https://example.com/reel"],
    }

    # Another tab changed the lines: the open panel shows them, and sends nothing back.
    before = len(harness.messages("bag"))
    other_tab = [hoodie_line(stack, "XL / Oat", 1), tee]
    harness.send({"type": "dots:bag", "bag": {**harness.bag(), "lines": other_tab}})
    expect(hoodie.get_by_label("Size")).to_have_value("XL")
    expect(panel.locator("#total")).to_have_text("$135.00")
    assert len(harness.messages("bag")) == before
    choose(hoodie, Size="M")
    harness.wait_for_bag(f"m => m.lines[0].variant_id === {m_oat}")

    bag_line(panel, TEE_TITLE).get_by_role("button", name=f"Remove {TEE_TITLE}").click()
    sent = harness.wait_for_bag("m => m.lines.length === 1")
    assert sent["lines"] == [hoodie_line(stack, "M / Oat", 1)]
    expect(panel.locator("#bag-note")).to_have_text(f"Removed {TEE_TITLE}.")
    expect(panel.locator("#bag-count")).to_have_text("1")
    # The last line removed: no "0" badge is left on the tab.
    bag_line(panel, HOODIE_TITLE).get_by_role("button", name=f"Remove {HOODIE_TITLE}").click()
    harness.wait_for_bag("m => m.lines.length === 0")
    expect(panel.locator("#bag-count")).to_be_hidden()


def test_draft_is_restored_on_every_open(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack)
    publish = (date.today() + timedelta(days=9)).isoformat()
    draft = {
        "content_types": ["story", "video"],
        "platforms": ["instagram"],
        "publish_on": publish,
        "message": "A week of outfits.",
        "links": ["https://example.com/a", "https://example.com/b"],
    }
    panel = harness.open(lines=[hoodie_line(stack)], draft=draft)
    for name, checked in [("Story", True), ("Video", True), ("Post", False)]:
        expect(panel.get_by_role("checkbox", name=name, exact=True)).to_be_checked(checked=checked)
    expect(panel.get_by_role("checkbox", name="Instagram")).to_be_checked()
    expect(panel.get_by_role("checkbox", name="TikTok")).not_to_be_checked()
    expect(panel.get_by_label("Planned publish date")).to_have_value(publish)
    expect(panel.get_by_label("How would you like to collaborate?")).to_have_value(draft["message"])
    expect(panel.get_by_label("Link 1")).to_have_value("https://example.com/a")
    expect(panel.get_by_label("Link 2")).to_have_value("https://example.com/b")

    # The influencer edits and closes at once: what they typed is not lost.
    panel.get_by_label("How would you like to collaborate?").fill("Three outfits.")
    panel.get_by_label("How would you like to collaborate?").press("Escape")
    harness.wait_for_message("close")
    assert harness.bag()["draft"]["message"] == "Three outfits."

    # Another tab changed the bag: the open panel shows it.
    other = {**draft, "content_types": ["post"], "message": "From the other tab."}
    harness.send({"type": "dots:bag", "bag": {**harness.bag(), "draft": other}})
    expect(panel.get_by_label("How would you like to collaborate?")).to_have_value(
        "From the other tab."
    )
    expect(panel.get_by_role("checkbox", name="Post", exact=True)).to_be_checked()
    expect(panel.get_by_role("checkbox", name="Story")).not_to_be_checked()

    # A new frame (the panel opened again on another page) shows the stored bag.
    panel = harness.reload_frame()
    expect(panel.get_by_label("How would you like to collaborate?")).to_have_value("Three outfits.")
    assert chosen(bag_line(panel, HOODIE_TITLE), "Size", "Colour", "Quantity") == [
        "M",
        "Charcoal",
        "2",
    ]


def test_a_sold_out_choice_stays_chosen_until_another_is_picked(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, "L / Charcoal", 1)])  # sold out
    hoodie = bag_line(panel, HOODIE_TITLE)
    assert chosen(hoodie, "Size", "Colour") == ["L", "Charcoal"]
    expect(hoodie.get_by_text("Sold out — pick another.")).to_be_visible()
    expect(hoodie.get_by_label("Size")).to_have_attribute("aria-invalid", "true")
    assert harness.messages("bag") == []

    choose(hoodie, Size="M")
    sent = harness.wait_for_bag("m => m.lines.length === 1")
    assert sent["lines"] == [hoodie_line(stack, "M / Charcoal", 1)]
    expect(hoodie.get_by_text("Sold out — pick another.")).to_be_hidden()
    expect(hoodie.get_by_label("Size")).not_to_have_attribute("aria-invalid", "true")


def test_products_the_catalog_lost_leave_the_bag_with_a_word(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack)
    stack.exclude(SLEEVE)
    try:
        sleeve = {
            "handle": SLEEVE,
            "variant_id": stack.variant_id(SLEEVE, "Default Title"),
            "quantity": 1,
        }
        panel = harness.open(lines=[hoodie_line(stack), sleeve])
    finally:
        stack.exclude(SLEEVE, excluded=False)
    expect(panel.locator("#bag-list > li")).to_have_count(1)
    expect(panel.locator("#bag-note")).to_have_text(
        "1 product in your bag can no longer be requested from Northwind Supply."
    )


# --- The address: only in the frame -----------------------------------------------------------


def test_address_stays_in_the_frame_across_a_reload(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack, name="Rita Sousa")
    panel = harness.open(lines=[hoodie_line(stack)])
    # No address yet: the name comes from the profile; the country is to choose.
    expect(panel.get_by_label("Full name")).to_have_value("Rita Sousa")
    expect(panel.get_by_label("Country")).to_have_value("")
    panel.get_by_label("Address", exact=True).fill("Rua Augusta 100")
    panel.get_by_label("City").fill("Lisboa")
    panel.get_by_label("Postal code").fill("1100-053")
    panel.get_by_label("Country").select_option(label="Portugal")
    panel.get_by_label("Phone (optional, for the courier)").fill("+351 912 345 678")
    panel.get_by_role("checkbox", name="Post", exact=True).check()
    harness.wait_for_bag("m => m.draft.content_types.length === 1")

    panel = harness.reload_frame()
    expect(panel.get_by_label("Address", exact=True)).to_have_value("Rua Augusta 100")
    expect(panel.get_by_label("City")).to_have_value("Lisboa")
    expect(panel.get_by_label("Country")).to_have_value("PT")
    expect(panel.get_by_label("Phone (optional, for the courier)")).to_have_value(
        "+351 912 345 678"
    )
    # Never in the host page: not in a message, its storage or its DOM.
    host = page.evaluate(
        "() => JSON.stringify([window.received, window.bag, {...localStorage},"
        " {...sessionStorage}, document.documentElement.outerHTML])"
    )
    for personal in ("Rua Augusta", "1100-053", "912 345", "e2e.example"):
        assert personal not in host


def address_at_another_store(stack: Stack, link_id: int, address: dict[str, str]) -> None:
    """The influencer of link ``link_id`` also asked another brand, shipping to ``address``."""
    with stack.widget_app.app_context():
        brand = make_brand(name="Elsewhere Co")
        link, _ = make_link(brand, session.get(InfluencerLink, link_id).influencer)
        make_request(link, [make_product(brand).variants[0]], shipping_address=address)


def shoot_address(page: Page, panel: FrameLocator, name: str) -> None:
    """Keep the address section as a screenshot at 1280 and 390 px, and check it fits."""
    size = page.viewport_size
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        panel.locator("#address").scroll_into_view_if_needed()
        assert horizontal_overflow(panel_frame(page)) == 0
        keep_shot(page, f"{name}-{width}")
    page.set_viewport_size(size)


def sent_body(page: Page, panel: FrameLocator) -> dict[str, Any]:
    """Press Send; the body of the ``POST /v1/requests`` the panel made."""
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/v1/requests")
    ) as sent:
        panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    return sent.value.post_data_json


def test_the_address_used_last_time_is_offered_by_city_and_sent_by_reference(
    page: Page, stack: Stack
) -> None:
    harness, link_id = harness_for(page, stack)
    first = stack.submit_request(link_id, [TEE])  # to Ana Lima, 12 Rua Augusta, Lisbon, PT
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    last_time = panel.get_by_role("radio", name="Ship to the address I used last time (Lisbon, PT)")
    different = panel.get_by_role("radio", name="Use a different address")
    expect(last_time).to_be_checked()
    expect(different).not_to_be_checked()
    expect(panel.get_by_label("Address", exact=True)).to_be_hidden()
    expect(panel.locator("#contact-note")).to_have_text(
        "Updates about this request go to the email address Northwind Supply invited you with."
    )
    shoot_address(page, panel, "ship-to-last-time")
    # The panel itself never had the street: it offers the address by reference.
    inside = harness.frame.evaluate(
        "() => JSON.stringify([document.documentElement.outerHTML, {...sessionStorage}])"
    )
    for personal in ("Rua Augusta", "1100-053", "e2e.example"):
        assert personal not in inside

    # A different address shows the fields (empty but the name); back again hides them.
    different.check()
    expect(panel.get_by_label("Address", exact=True)).to_be_visible()
    expect(panel.get_by_label("Address", exact=True)).to_have_value("")
    expect(panel.get_by_label("Full name")).not_to_have_value("")
    last_time.check()
    expect(panel.get_by_label("Address", exact=True)).to_be_hidden()

    fill_proposal(panel)
    assert sent_body(page, panel)["shipping_address"] == {"use_saved": "this_store"}
    old, new = stack.stored_requests(link_id)
    assert old["id"] == first
    assert new["shipping_address"] == old["shipping_address"]
    assert new["shipping_address"]["line1"] == "12 Rua Augusta"
    assert new["items"] == [(HOODIE, "M / Charcoal", 1)]


def test_a_new_address_once_sent_is_the_one_offered_next(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    expect(panel.locator("#ship-choice")).to_be_hidden()  # nothing given before: just the fields
    fill_proposal(panel)
    fill_address(panel)
    shipped = sent_body(page, panel)["shipping_address"]
    assert shipped["line1"] == "Rua Augusta 100" and shipped["country"] == "PT"
    harness.open_view("bag")
    expect(
        panel.get_by_role("radio", name="Ship to the address I used last time (Lisboa, PT)")
    ).to_be_checked()
    expect(panel.get_by_label("Address", exact=True)).to_be_hidden()
    # What was typed stays in this frame for the next different address.
    panel.get_by_role("radio", name="Use a different address").check()
    expect(panel.get_by_label("Address", exact=True)).to_have_value("Rua Augusta 100")


def test_another_stores_address_is_copied_only_when_chosen(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    porto = {
        "name": "Ana Lima",
        "line1": "7 Rua das Flores",
        "city": "Porto",
        "postal_code": "4050-262",
        "country": "PT",
    }
    address_at_another_store(stack, link_id, porto)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    elsewhere = panel.get_by_role(
        "radio", name="Ship to an address I used with another store (Porto, PT)"
    )
    # Offered, never preselected: the fields are there to type a new one.
    expect(elsewhere).not_to_be_checked()
    expect(panel.get_by_role("radio", name="Use a different address")).to_be_checked()
    expect(panel.get_by_label("Address", exact=True)).to_be_visible()
    expect(elsewhere).to_have_accessible_description(
        "Northwind Supply gets a copy of it with this request."
    )
    shoot_address(page, panel, "ship-to-another-store-offered")
    elsewhere.check()
    expect(panel.get_by_label("Address", exact=True)).to_be_hidden()
    shoot_address(page, panel, "ship-to-another-store")

    # A reload of the frame keeps the choice.
    panel = harness.reload_frame()
    expect(panel.get_by_role("radio", name=re.compile("another store"))).to_be_checked()
    fill_proposal(panel)
    assert sent_body(page, panel)["shipping_address"] == {"use_saved": "another_store"}
    [stored] = stack.stored_requests(link_id)
    assert stored["shipping_address"] == porto

    # Now it is the address used last time at this store, and the default.
    panel.get_by_role("button", name="Keep browsing").click()
    harness.open_view("bag")
    expect(
        panel.get_by_role("radio", name="Ship to the address I used last time (Porto, PT)")
    ).to_be_checked()


def test_countries_are_names_sorted_and_stored_as_iso_codes(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    options = (
        panel.get_by_label("Country")
        .locator("option")
        .evaluate_all("os => os.map((o) => [o.value, o.textContent])")
    )
    assert options[0] == ["", "Choose a country"]
    codes = [code for code, _ in options[1:]]
    names = [name for _, name in options[1:]]
    assert len(codes) == len(set(codes)) >= 249
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert ["PT", "Portugal"] in options and ["GB", "United Kingdom"] in options
    for earlier, later in [
        ("Afghanistan", "Åland Islands"),
        ("Åland Islands", "Albania"),
        ("Portugal", "Puerto Rico"),
        ("United Kingdom", "United States"),
    ]:
        assert names.index(earlier) < names.index(later)

    fill_proposal(panel)
    fill_address(panel)  # picks "Portugal" by name
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    [stored] = stack.stored_requests(link_id)
    assert stored["shipping_address"]["country"] == "PT"
    assert stored["items"] == [(HOODIE, "M / Charcoal", 1)]
    # The overlay hears of the request, then of the bag it leaves: empty, with a
    # fresh proposal that keeps where the influencer publishes.
    sent = harness.wait_for_message("request")
    assert sent["request"]["id"] == stored["id"]
    bag = harness.wait_for_bag("m => m.lines.length === 0")
    assert bag["draft"] == {
        "content_types": [],
        "platforms": ["instagram"],
        "publish_on": "",
        "message": "",
        "links": [],
    }
    kinds = [m["type"] for m in page.evaluate("() => window.received")]
    assert kinds[-2:] == ["dots:request", "dots:bag"]


# --- No dead ends: an influencer with no social account ---------------------------------------


def test_an_influencer_without_accounts_adds_one_and_sends(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack, handles=[])
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    expect(panel.get_by_text("No social accounts on your profile yet.")).to_be_visible()
    account = panel.get_by_role("group", name="Add a social account")
    expect(account).to_be_visible()
    expect(account.get_by_role("button", name="Cancel")).to_be_hidden()
    platforms = account.get_by_label("Platform").locator("option").all_text_contents()
    assert platforms[1:] == [
        "Instagram", "TikTok", "YouTube", "Pinterest", "X", "Twitch",
        "Snapchat", "Facebook", "Threads", "LinkedIn", "Blog", "Podcast",
    ]  # fmt: skip
    expect(account).to_contain_text("Northwind Supply sees the follower count as stated by you")

    account.get_by_role("button", name="Add account").click()
    expect(account.get_by_text("Choose the platform.")).to_be_visible()
    expect(account.get_by_text("Enter your handle on it.")).to_be_visible()
    account.get_by_label("Platform").select_option(label="TikTok")
    expect(account.get_by_text("Choose the platform.")).to_be_hidden()
    account.get_by_label("Handle").fill("@ana.lima")
    expect(account.get_by_text("Enter your handle on it.")).to_be_hidden()
    account.get_by_label("Followers").fill("12.5k")
    account.get_by_role("button", name="Add account").click()

    tiktok = panel.get_by_role("checkbox", name="TikTok")
    expect(tiktok).to_be_checked()
    expect(tiktok).to_be_focused()
    expect(panel.get_by_role("status").filter(has_text="Added TikTok @ana.lima.")).to_be_visible()
    expect(account).to_be_hidden()
    expect(panel.get_by_role("button", name="Add another account")).to_be_visible()
    harness.wait_for_bag("m => m.draft.platforms.includes('tiktok')")
    [handle] = stack.handles_of(link_id)
    assert (handle["platform"], handle["handle"], handle["followers"]) == (
        "tiktok",
        "ana.lima",
        12500,
    )
    assert handle["stated_at"] is not None

    fill_proposal(panel, platform="TikTok")
    fill_address(panel)
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    [stored] = stack.stored_requests(link_id)
    assert stored["proposal"]["platforms"] == ["tiktok"]
    sent = harness.wait_for_message("request")
    assert sent["request"]["status"] == "pending"


def test_add_another_account_opens_and_cancels(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    account = panel.get_by_role("group", name="Add a social account")
    expect(account).to_be_hidden()
    panel.get_by_role("button", name="Add another account").click()
    expect(account.get_by_label("Platform")).to_be_focused()
    account.get_by_label("Platform").select_option("youtube")
    account.get_by_label("Handle").fill("creatorvideos")
    account.get_by_label("Followers").fill("lots")
    account.get_by_label("Followers").press("Enter")  # adds the account; never sends the request
    expect(account.get_by_text("Enter a number, like 12,500 or 12.5k.")).to_be_visible()
    account.get_by_label("Followers").fill("3,400")
    expect(account.get_by_text("Enter a number, like 12,500 or 12.5k.")).to_be_hidden()
    account.get_by_role("button", name="Cancel").click()
    expect(account).to_be_hidden()
    expect(panel.get_by_role("button", name="Add another account")).to_be_focused()
    assert [h["platform"] for h in stack.handles_of(link_id)] == ["instagram", "tiktok"]
    assert stack.stored_requests(link_id) == []


# --- My requests ------------------------------------------------------------------------------


def seed_history(stack: Stack, link_id: int) -> dict[str, int]:
    """One request in each state the influencer can see."""
    ids = {
        "pending": stack.submit_request(link_id, [TEE]),
        "approved": stack.submit_request(
            link_id,
            [HOODIE],
            items=[{"variant_id": stack.variant_id(HOODIE, "M / Charcoal"), "quantity": 2}],
        ),
        "denied": stack.submit_request(link_id, [JACKET]),
        "expired": stack.submit_request(link_id, [CAP]),
    }
    stack.decide(ids["approved"], "approved")
    stack.decide(ids["denied"], "denied", "We are out of jackets until spring.")
    expire_request(stack, ids["expired"])
    return ids


def test_my_requests_tell_the_whole_story(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    seed_history(stack, link_id)
    panel = harness.open(view="mine")
    expect(panel.get_by_role("heading", name="My requests")).to_be_focused()
    expect(panel.locator("#mine-list > li")).to_have_count(4)

    pending = request_card(panel, TEE_TITLE)
    expect(pending.get_by_role("heading")).to_contain_text("Requested")
    expect(pending).to_contain_text("XS / Navy · Quantity 1")
    expect(pending).to_contain_text("Waiting for Northwind Supply's answer. It expires on ")
    expect(pending.get_by_role("button", name="Withdraw")).to_be_visible()

    approved = request_card(panel, HOODIE_TITLE)
    expect(approved.get_by_role("heading")).to_contain_text("Approved")
    expect(approved).to_contain_text("M / Charcoal · Quantity 2")
    expect(approved).to_contain_text(
        "Northwind Supply will prepare your products and send them to the address you gave."
    )
    expect(approved).not_to_contain_text("email")
    expect(approved.get_by_role("button")).to_have_text(["Messages"])  # nothing to undo

    denied = request_card(panel, JACKET_TITLE)
    expect(denied.get_by_role("heading")).to_contain_text("Declined")
    expect(denied).to_contain_text("Northwind Supply said: We are out of jackets until spring.")

    expired = request_card(panel, CAP_TITLE)
    expect(expired.get_by_role("heading")).to_contain_text("Expired")
    expect(expired).to_contain_text("didn't answer in time")
    expect(expired.get_by_role("button", name="Request again")).to_be_visible()
    today = date.today().strftime("%b %-d, %Y")
    for card, word in [
        (approved, "Approved on "),
        (denied, "Declined on "),
        (expired, "Expired on "),
    ]:
        expect(card).to_contain_text(word + today)


def test_withdraw_a_pending_request(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    request_id = stack.submit_request(link_id, [TEE])
    panel = harness.open(view="mine")
    card = request_card(panel, TEE_TITLE)
    card.get_by_role("button", name="Withdraw").click()
    confirm = card.get_by_role("group", name="Withdraw this request?")
    expect(confirm).to_contain_text("Northwind Supply will see that you withdrew it.")
    expect(confirm.get_by_role("button", name="Withdraw request")).to_be_focused()
    confirm.get_by_role("button", name="Keep it").click()
    expect(card.get_by_role("button", name="Withdraw")).to_be_focused()
    assert stack.stored_requests(link_id)[0]["status"] == "pending"

    card.get_by_role("button", name="Withdraw").click()
    card.get_by_role("button", name="Withdraw request").click()
    expect(card.get_by_role("heading")).to_contain_text("Withdrawn")
    expect(card.get_by_role("heading")).to_be_focused()
    expect(panel.locator("#mine-status")).to_have_text("Request withdrawn.")
    expect(card.get_by_role("button", name="Request again")).to_be_visible()
    sent = harness.wait_for_message("request")
    assert (sent["request"]["id"], sent["request"]["status"]) == (request_id, "withdrawn")
    [stored] = stack.stored_requests(link_id)
    assert stored["status"] == "withdrawn"
    assert stored["events"][-1] == "withdrawn"


def test_request_again_refills_the_bag_with_the_same_choices(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    request_id = stack.submit_request(
        link_id,
        [HOODIE, SLEEVE],
        items=[
            {"variant_id": stack.variant_id(HOODIE, "M / Charcoal"), "quantity": 2},
            {"variant_id": stack.variant_id(SLEEVE, "Default Title"), "quantity": 1},
        ],
    )
    expire_request(stack, request_id)
    stack.exclude(SLEEVE)
    try:
        panel = harness.open(view="mine")
        request_card(panel, HOODIE_TITLE).get_by_role("button", name="Request again").click()
        expect(panel.get_by_role("heading", name="Your picks")).to_be_focused()
    finally:
        stack.exclude(SLEEVE, excluded=False)
    sent = harness.wait_for_bag("m => m.lines.length === 1")
    assert sent["lines"] == [hoodie_line(stack, "M / Charcoal", 2)]
    assert chosen(bag_line(panel, HOODIE_TITLE), "Size", "Colour", "Quantity") == [
        "M",
        "Charcoal",
        "2",
    ]
    note = panel.locator("#bag-note")
    expect(note).to_contain_text(f"{HOODIE_TITLE} (M / Charcoal) × 2")
    expect(note).to_contain_text(f"{SLEEVE_TITLE} can't be requested any more.")


# --- Products over the limit ------------------------------------------------------------------


def test_the_limit_view_explains_and_offers_a_way_back(page: Page, stack: Stack) -> None:
    harness, _ = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack)], view="limit", handle=SHEARLING)
    expect(panel.get_by_role("heading", name="Heirloom Shearling Jacket")).to_be_focused()
    expect(panel.locator("#limit-text")).to_have_text(
        "Heirloom Shearling Jacket costs $1,299.00, over Northwind Supply's limit of $400.00"
        " per request."
    )
    expect(panel.get_by_role("button", name="Send request")).to_be_hidden()
    panel.get_by_role("button", name="See your request").click()
    expect(panel.get_by_role("heading", name="Your picks")).to_be_focused()
    expect(bag_line(panel, HOODIE_TITLE)).to_be_visible()

    harness.open_view("limit", handle=SHEARLING)
    panel.get_by_role("button", name="Back to the store").click()
    harness.wait_for_message("close")


# --- Forms that behave ------------------------------------------------------------------------


def test_each_error_clears_as_its_field_is_fixed(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    panel.get_by_label("Link 1").fill("not a link")
    panel.get_by_role("button", name="Send request").click()
    banner = panel.get_by_role("alert").filter(has_text="Please check")
    expect(banner).to_have_text("Please check the 9 highlighted fields.")
    errors = {
        "Pick at least one kind of content.": lambda: panel.get_by_role(
            "checkbox", name="Reel"
        ).check(),
        "Pick at least one platform.": lambda: panel.get_by_role(
            "checkbox", name="Instagram"
        ).check(),
        "Pick a date.": lambda: panel.get_by_label("Planned publish date").fill(
            (date.today() + timedelta(days=5)).isoformat()
        ),
        "Tell Northwind Supply what you have in mind.": lambda: panel.get_by_label(
            "How would you like to collaborate?"
        ).fill("Hi"),
        "Enter a full web address starting with https://": lambda: panel.get_by_label(
            "Link 1"
        ).fill("https://example.com"),
        "Enter the street address.": lambda: panel.get_by_label("Address", exact=True).fill(
            "Rua 1"
        ),
        "Enter the city.": lambda: panel.get_by_label("City").fill("Porto"),
        "Enter the postal code.": lambda: panel.get_by_label("Postal code").fill("4000-001"),
        "Choose the country.": lambda: panel.get_by_label("Country").select_option("PT"),
    }
    for message in errors:
        expect(panel.get_by_text(message, exact=True)).to_be_visible()
    expect(panel.get_by_label("City")).to_have_attribute("aria-invalid", "true")
    # The first field with an error has the focus: the first box of its group.
    expect(panel.get_by_role("checkbox", name="Post", exact=True)).to_be_focused()

    left = len(errors) + 1  # and the phone, below
    panel.get_by_label("Phone (optional, for the courier)").fill("call me")
    panel.get_by_role("button", name="Send request").click()
    expect(banner).to_have_text(f"Please check the {left} highlighted fields.")
    for message, fix in errors.items():
        fix()
        left -= 1
        expect(panel.get_by_text(message, exact=True)).to_be_hidden()
        expect(banner).to_have_text(
            f"Please check the {left} highlighted fields."
            if left > 1
            else "Please check the highlighted field."
        )
    expect(panel.get_by_label("City")).not_to_have_attribute("aria-invalid", "true")
    # A field fixed to another wrong value gets the new message at once.
    phone = panel.get_by_label("Phone (optional, for the courier)")
    expect(panel.get_by_text("Use digits, spaces and + - ( ).")).to_be_visible()
    phone.fill("")
    expect(banner).to_be_hidden()
    assert stack.stored_requests(link_id) == []


def test_too_many_requests_says_when_to_try_again(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])

    def refuse(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "90", "Content-Type": "application/json"},
            body='{"status": 429, "error": "too_many_requests", "message": "Slow down."}',
        )

    page.route(f"{stack.widget_url}/v1/requests", refuse)
    fill_proposal(panel)
    fill_address(panel)
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("alert")).to_have_text("Too many requests. Try again in 2 minutes.")
    expect(panel.get_by_role("alert")).to_be_focused()
    assert stack.stored_requests(link_id) == []


def test_texts_about_dots_say_tap_on_a_phone(phone_page: Page, page: Page, stack: Stack) -> None:
    for current, word in [(phone_page, "tap"), (page, "click")]:
        panel = Harness(current, stack, stack.invite("/").url).open()
        expect(panel.locator("#bag-empty")).to_have_text(
            f"Your request is empty. Close this panel and {word} a dot on a product to add it."
        )
        panel.get_by_role("button", name="My requests").click()
        expect(panel.locator("#mine-empty")).to_have_text(
            f"No requests yet. {word.capitalize()} a dot on a product to start one."
        )


# --- A proper dialog: keyboard, axe, phones ---------------------------------------------------


def focused(harness: Harness) -> str:
    """The focused element in the panel: its id, or its tag."""
    return harness.frame.evaluate(
        "() => document.activeElement.id || document.activeElement.tagName"
    )


def tab_to(harness: Harness, element_id: str, most: int = 40) -> None:
    """Press Tab until ``element_id`` has the focus (it must be reachable by keyboard)."""
    for _ in range(most):
        harness.page.keyboard.press("Tab")
        if focused(harness) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only_from_the_bag_to_request_sent(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    panel = harness.open(lines=[hoodie_line(stack, quantity=1)])
    keys = page.keyboard
    assert focused(harness) == "bag-heading"
    tab_to(harness, "line-0-qty")
    keys.press("ArrowDown")
    expect(bag_line(panel, HOODIE_TITLE).get_by_label("Quantity")).to_have_value("2")
    tab_to(harness, "content-type-reel")
    # Focus is visible on the chip a keyboard user is on.
    outline = harness.frame.evaluate(
        "() => getComputedStyle(document.querySelector('label[for=content-type-reel]'))"
        ".outlineStyle"
    )
    assert outline == "solid"
    keys.press("Space")
    tab_to(harness, "platform-instagram")
    keys.press("Space")
    tab_to(harness, "publish-on")
    keys.type((date.today() + timedelta(days=14)).strftime("%m%d%Y"))
    tab_to(harness, "message")
    keys.type("A reel, typed with the keyboard.")
    for field, text in [
        ("ship-line1", "Rua Augusta 100"),
        ("ship-city", "Lisboa"),
        ("ship-postal", "1100-053"),
    ]:
        tab_to(harness, field)
        keys.type(text)
    tab_to(harness, "ship-country")
    keys.type("Portugal")
    expect(panel.get_by_label("Country")).to_have_value("PT")
    tab_to(harness, "send")
    keys.press("Enter")
    expect(panel.get_by_role("heading", name="Request sent")).to_be_focused()
    [stored] = stack.stored_requests(link_id)
    assert stored["items"] == [(HOODIE, "M / Charcoal", 2)]
    assert stored["proposal"]["content_types"] == ["reel"]

    # Tab stays in the dialog; Escape closes it.
    tab_to(harness, "close")
    keys.press("Shift+Tab")
    assert focused(harness) == "sent-close"
    keys.press("Tab")
    assert focused(harness) == "close"
    keys.press("Escape")
    harness.wait_for_message("close")


def open_each_view(page: Page, stack: Stack):
    """Yield ``(name, harness)`` with the panel showing each of its views in turn."""
    harness, link_id = harness_for(page, stack)
    seed_history(stack, link_id)
    socks = {"handle": SOCKS, "variant_id": stack.variant_id(SOCKS, "L/XL"), "quantity": 1}
    panel = harness.open(lines=[hoodie_line(stack, "L / Charcoal", 1), socks])
    # The history has an address; a new one shows every field (and its errors).
    panel.get_by_role("radio", name="Use a different address").check()
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("alert")).to_be_visible()
    yield "bag-with-errors", harness
    panel.get_by_role("button", name="Add another account").click()
    yield "add-account", harness
    panel.get_by_role("button", name="My requests").click()
    card = request_card(panel, TEE_TITLE)
    card.get_by_role("button", name="Withdraw").click()
    expect(card.get_by_role("button", name="Withdraw request")).to_be_visible()
    yield "my-requests", harness
    harness.open_view("limit", handle=SHEARLING)
    expect(panel.locator("#limit-text")).to_contain_text("over Northwind Supply's limit")
    yield "limit", harness
    harness.open_view("bag")
    bag_line(panel, HOODIE_TITLE).get_by_role("button", name=f"Remove {HOODIE_TITLE}").click()
    fill_proposal(panel)
    fill_address(panel)
    panel.get_by_role("button", name="Send request").click()
    expect(panel.get_by_role("heading", name="Request sent")).to_be_visible()
    yield "sent", harness


def test_every_view_passes_axe(page: Page, stack: Stack) -> None:
    for name, harness in open_each_view(page, stack):
        try:
            assert_accessible(harness.frame)
        except AssertionError as failure:
            raise AssertionError(f"view {name}: {failure}") from None


@pytest.mark.parametrize("width", [390, 1280])
def test_every_view_fits_and_is_kept_as_a_screenshot(page: Page, stack: Stack, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    for name, harness in open_each_view(page, stack):
        assert horizontal_overflow(harness.frame) == 0, f"{name} scrolls sideways at {width} px"
        keep_shot(page, f"{name}-{width}")


def test_a_request_decided_meanwhile_cannot_be_withdrawn(page: Page, stack: Stack) -> None:
    harness, link_id = harness_for(page, stack)
    request_id = stack.submit_request(link_id, [TEE])
    panel = harness.open(view="mine")
    card = request_card(panel, TEE_TITLE)
    card.get_by_role("button", name="Withdraw").click()
    stack.decide(request_id, "approved")
    card.get_by_role("button", name="Withdraw request").click()
    expect(panel.locator("#mine-status")).to_have_text(
        "This request was already approved; it can't be withdrawn now."
    )
    expect(card.get_by_role("heading")).to_contain_text("Approved")
    expect(card.get_by_role("button")).to_have_text(["Messages"])
    assert harness.messages("request") == []
    assert stack.stored_requests(link_id)[0]["status"] == "approved"
