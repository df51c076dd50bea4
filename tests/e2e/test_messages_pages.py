"""Messages on a request in a real browser: the brand writes on the request's page, the
influencer sees the unread count on the standalone page, opens the thread and answers,
and the brand sees the unread count in its lists and the answer on the page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import BRAND, Stack, horizontal_overflow, token_of
from tests.e2e.test_influencer_side import DOCS_IMG, card, delivered, sign_in

QUESTION = "Hi! The hoodie arrived?\nTell us which photo you liked best."
ANSWER = "It did, thank you!\nThe second one <b>for sure</b>."


def test_a_thread_between_the_brand_and_the_influencer(page: Page, stack: Stack) -> None:
    url, _link_id, request_id = delivered(stack)
    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/requests/{request_id}#messages")
    page.get_by_role("textbox", name=re.compile("^Message to")).fill(QUESTION)
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_contain_text("Message sent.")
    expect(page.locator(".thread .thread-body")).to_have_text(QUESTION)

    influencer = page.context.browser.new_page(viewport={"width": 390, "height": 844})
    influencer.goto(f"{stack.widget_url}/v1/me/{BRAND}#dots={token_of(url)}")
    mine = card(influencer, request_id)
    toggle = mine.get_by_role("button", name=re.compile("^Messages"))
    expect(toggle).to_have_text("Messages (1 unread)")
    toggle.focus()
    influencer.keyboard.press("Enter")  # the keyboard opens it
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(mine.locator(".thread-body")).to_have_text(QUESTION)
    reply = mine.get_by_role("textbox", name=re.compile("^Message to"))
    reply.fill(ANSWER)
    mine.get_by_role("button", name="Send message").click()
    expect(mine.locator(".thread-body")).to_have_text([QUESTION, ANSWER])
    expect(influencer.locator("#mine-status")).to_contain_text("Message sent to")
    assert horizontal_overflow(influencer) == 0
    assert_accessible(influencer)
    influencer.screenshot(path=str(DOCS_IMG / "messages-panel.png"), full_page=True)
    influencer.close()

    page.goto(f"{stack.widget_url}/review/tab/content-pending")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("(1 unread message)")
    badge = page.get_by_role("link", name="1 unread message", exact=True)
    expect(badge).to_be_visible()
    badge.click()
    expect(page.locator(".thread .thread-body")).to_have_text([QUESTION, ANSWER])
    expect(page.locator(".thread .new")).to_have_count(1)
    expect(page.locator("ol.timeline li").filter(has_text="message by")).to_have_count(2)
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert horizontal_overflow(page) == 0
    page.locator("#messages").screenshot(path=str(DOCS_IMG / "messages-brand.png"))
