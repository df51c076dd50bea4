"""Ratings and the creator's history in a real browser (#12 item 2).

The brand rates a completed collaboration on the request's page with the
keyboard (a radio group with its words), the influencer rates the brand in My
requests, and the pending list shows each creator's history next to the
decision. axe on every page changed; the panel at 390 px with no sideways scroll.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import on_every_database
from tests.e2e.panel_harness import Harness
from tests.e2e.stack import BRAND_USER, Stack, horizontal_overflow
from tests.e2e.test_influencer_side import card, delivered, sign_in
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import lifecycle

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
BRAND_NAME = "Northwind Supply"


def completed(stack: Stack, name: str) -> tuple[str, int, int]:
    """A new influencer ``name`` with a completed hoodie: ``(link URL, link id, request id)``."""
    url, link_id, request_id = delivered(stack, name=name)
    with stack.widget_app.app_context():
        link = session.get(InfluencerLink, link_id)
        lifecycle.submit_content(link, request_id, ["https://www.instagram.com/p/dots-hoodie/"])
        lifecycle.accept_content(request_id, BRAND_USER[0])
        session.commit()
    return url, link_id, request_id


@on_every_database
def test_the_brand_rates_with_the_keyboard_and_the_pending_list_shows_the_history(
    page: Page, stack: Stack
) -> None:
    name = "Rita Rating"
    url, link_id, request_id = completed(stack, name)
    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    rating = page.locator("#rating")
    expect(rating.get_by_role("radio")).to_have_count(5)
    expect(rating).to_contain_text(f"{name} has not rated {BRAND_NAME} yet.")
    assert_accessible(page)

    # Keyboard only: Tab into the group lands on the first radio, arrows choose.
    first = rating.get_by_label("1 star: poor")
    first.focus()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(rating.get_by_label("4 stars: very good")).to_be_checked()
    page.keyboard.press("Tab")
    expect(rating.get_by_label("Comment (optional)")).to_be_focused()
    page.keyboard.type("Lovely reel, delivered early.")
    rating.scroll_into_view_if_needed()
    rating.screenshot(path=str(DOCS_IMG / "review-rating-form.png"))
    page.keyboard.press("Tab")
    expect(rating.get_by_role("button", name=f"Rate {name}")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".flash.success")).to_have_text(
        f"Thank you: you rated {name} 4 of 5. We emailed {name}."
    )
    expect(page.get_by_test_id("brand-rating")).to_contain_text(f"You rated {name}")
    expect(page.get_by_test_id("brand-rating")).to_contain_text("4 of 5 stars")
    expect(page.locator(".timeline")).to_contain_text("rated by")
    assert_accessible(page)

    page.goto(f"{stack.widget_url}/review/tab/completed")
    row = page.locator("article").filter(has=page.get_by_role("link", name=name))
    expect(row.get_by_test_id("brand-rated")).to_contain_text("You rated")
    assert_accessible(page)

    # Rita asks again: her history sits next to the decision.
    stack.submit_request(link_id, ["everyday-organic-tee"])
    page.goto(f"{stack.widget_url}/review/")
    pending = page.locator("article.request").filter(has=page.get_by_role("link", name=name))
    history = pending.get_by_test_id("creator-history")
    expect(history).to_contain_text("4.0 ★ stars from 1 rating")
    expect(history).to_contain_text("1 collaboration")
    expect(history).to_contain_text("content on time 1 of 1 (100%)")
    assert_accessible(page)
    pending.screenshot(path=str(DOCS_IMG / "review-pending-history.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    assert horizontal_overflow(page) == 0


@on_every_database
def test_the_influencer_rates_the_brand_in_my_requests(page: Page, stack: Stack) -> None:
    url, _link_id, request_id = completed(stack, "Ivo Influencer")
    page.set_viewport_size({"width": 390, "height": 844})
    harness = Harness(page, stack, url)
    panel = harness.open(view="mine")
    mine = card(panel, request_id)
    rate = mine.get_by_role("button", name=f"Rate {BRAND_NAME}")
    rate.click()
    form = mine.locator("form.rating-form")
    expect(form.get_by_label("5 stars: excellent")).to_be_focused()
    # Nothing chosen: the panel says so before anything is sent.
    form.get_by_role("button", name="Send rating").click()
    expect(form.locator('[data-error-for$=".stars"]')).to_have_text("Choose 1 to 5 stars.")
    form.get_by_label("5 stars: excellent").check()
    expect(form.locator('[data-error-for$=".stars"]')).to_be_hidden()
    form.get_by_label("Comment").fill("Fast shipping, kind team.")
    assert horizontal_overflow(harness.frame) == 0
    assert_accessible(harness.frame)
    form.evaluate("form => form.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(DOCS_IMG / "influencer-rating.png"), full_page=True)
    form.get_by_role("button", name="Send rating").click()

    expect(panel.locator("#mine-status")).to_have_text(f"Thank you: you rated {BRAND_NAME} 5 of 5.")
    expect(mine.locator(".rating-given")).to_contain_text(f"You rated {BRAND_NAME}: ★★★★★ 5 of 5")
    expect(mine.locator(".rating-given")).to_contain_text("Fast shipping, kind team.")
    expect(mine.get_by_role("button", name=f"Rate {BRAND_NAME}")).to_have_count(0)
    expect(mine.locator(".timeline")).to_contain_text("Rated by you")
    assert horizontal_overflow(harness.frame) == 0
    assert_accessible(harness.frame)
    assert stack.my_requests(harness.token)["requests"][0]["my_rating"]["stars"] == 5

    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    received = page.get_by_test_id("influencer-rating")
    expect(received).to_contain_text(f"Ivo Influencer rated {BRAND_NAME}")
    expect(received).to_contain_text("Fast shipping, kind team.")
