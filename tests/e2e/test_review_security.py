"""The review pages under their Content-Security-Policy, and sessions that end, in Chromium.

The policy forbids inline script and style: a page that still needed either
would show a CSP violation in the console or lose its styling. Sessions: a
password change in one browser signs out a second browser at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.stack import BRAND, Stack
from tests.e2e.test_review_page import screenshots
from widget_server.brands.services import add_brand_user, find_brand
from widget_server.db import session

PASSWORD = "first password 1"
NEW_PASSWORD = "second password 2"


@pytest.fixture
def reviewer(stack: Stack) -> str:
    """A brand user of its own, so changing its password touches no other test."""
    email = f"reviewer-{uuid4().hex[:6]}@northwind.example"
    with stack.widget_app.app_context():
        add_brand_user(find_brand(BRAND), email, PASSWORD)
        session.commit()
    return email


@pytest.fixture
def csp_reports(page: Page) -> Iterator[list[str]]:
    """Console messages about the Content-Security-Policy; the test fails on any."""
    reports: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            reports.append(message.text)

    page.on("console", on_console)
    yield reports
    assert reports == [], reports


def sign_in(page: Page, stack: Stack, email: str, password: str) -> None:
    page.goto(f"{stack.widget_url}/review/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{stack.widget_url}/review/")


def test_every_review_page_works_under_its_policy(
    page: Page, stack: Stack, reviewer: str, csp_reports: list[str]
) -> None:
    _url, link_id = stack.influencer_link()
    request_id = stack.submit_request(link_id, ["everyday-organic-tee"])
    sign_in(page, stack, reviewer, PASSWORD)
    for path in ("/review/", "/review/archive", f"/review/requests/{request_id}"):
        response = page.goto(f"{stack.widget_url}{path}")
        assert response is not None and response.ok, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        # The stylesheet applied (background from review.css, not the browser's white).
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(246, 247, 249)", path
    # Product images come from the store (another origin): the policy lets them load.
    loaded = page.locator("ul.items img").evaluate_all(
        "imgs => imgs.map(img => img.complete && img.naturalWidth > 0)"
    )
    assert loaded and all(loaded)
    page.goto(f"{stack.widget_url}/review/account/password")
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    screenshots(page, "review-password")


def test_a_password_change_signs_out_the_other_browser(
    page: Page, browser: Browser, stack: Stack, reviewer: str, csp_reports: list[str]
) -> None:
    other = browser.new_context()
    try:
        other_page = other.new_page()
        sign_in(other_page, stack, reviewer, PASSWORD)
        sign_in(page, stack, reviewer, PASSWORD)

        page.get_by_role("link", name="Password").click()
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        expect(page).to_have_url(f"{stack.widget_url}/review/")
        expect(page.get_by_role("status")).to_have_text(
            "Your password is changed. 1 other session(s) were signed out."
        )

        other_page.reload()
        expect(other_page).to_have_url(f"{stack.widget_url}/review/login?next=/review/?")
        expect(other_page.get_by_role("status")).to_have_text(
            "Your session has ended. Please sign in again."
        )
        sign_in(other_page, stack, reviewer, NEW_PASSWORD)
    finally:
        other.close()
