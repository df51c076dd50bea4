"""Inviting influencers from the browser (#10 items 1-2), clicked through in Chromium.

A brand user invites someone on the Influencers page; the invitation goes out
over the real test SMTP server (the outbox sent by the test process, as the
served worker would) and the link in it opens the store with its dots. The
link page's Copy link button puts that same link on the clipboard; Revoke
stops it (the API answers 401). Someone applies through /apply/<slug>,
confirms from the email, is accepted on the Influencers page and opens the
personal link from the next email; with auto-accept rules a matching
applicant gets the link on confirming. Bulk invitations are previewed with
their errors before anything is written. Every new page passes axe and fits
390 and 1280 px without sideways scrolling (shots in test-artifacts/).
"""

from __future__ import annotations

import re
import urllib.error
from collections.abc import Iterator
from uuid import uuid4

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import on_every_database
from tests.e2e.stack import BRAND, Stack, token_of, wait_for_dots
from tests.e2e.test_review_page import screenshots, sign_in
from tests.smtp_server import MAIL_FROM, Received, SmtpServer
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.invitations.apply import MIN_FILL_SECONDS
from widget_server.invitations.models import ApplyRules
from widget_server.notifications.sender import send_due

LINK = re.compile(r"http://127\.0\.0\.1:\d+/\S*#dots=\S+")
CONFIRM = re.compile(r"http://127\.0\.0\.1:\d+/apply/confirm/\S+")


@pytest.fixture
def mail(stack: Stack, smtp: SmtpServer) -> Iterator[SmtpServer]:
    """The stack's outbox delivered to ``smtp`` on demand (``deliver(stack)``)."""
    config = stack.widget_app.config
    saved = {key: config.get(key) for key in ("SMTP_URL", "MAIL_FROM")}
    config.update(SMTP_URL=smtp.url, MAIL_FROM=MAIL_FROM)
    yield smtp
    config.update(saved)


def deliver(stack: Stack, smtp: SmtpServer, to: str, subject: str) -> Received:
    """Send what the outbox holds, then the one message to ``to`` with ``subject``."""
    with stack.widget_app.app_context():
        send_due()
        session.commit()
    found = [m for m in smtp.messages if to in m.rcpt_tos and m.message["Subject"] == subject]
    assert len(found) == 1, [(m.rcpt_tos, m.message["Subject"]) for m in smtp.messages]
    return found[0]


def api_refuses(stack: Stack, token: str) -> int:
    """The status of the overlay's "My requests" call with ``token`` (200 when it works)."""
    try:
        stack.my_requests(token)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@on_every_database
def test_invite_by_email_copy_and_revoke(
    page: Page, context: BrowserContext, stack: Stack, mail: SmtpServer
) -> None:
    email = f"ana-{uuid4().hex[:6]}@e2e.example"
    sign_in(page, stack)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Influencers").click()
    expect(page.get_by_role("heading", name="Influencers", exact=True)).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Ana Lima")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Handles (optional)").fill("instagram:@ana.lima:48.2k")
    page.get_by_label("Personal note (optional)").fill("Loved your rainy-day reel!")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").first).to_have_text(f"Invitation emailed to {email}.")
    expect(page.get_by_role("heading", name="Link of Ana Lima")).to_be_visible()
    shown = page.get_by_label("Link to send by DM").input_value()

    # Copy link: the same link, on the clipboard.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.widget_url)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Copied", exact=True)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    assert_accessible(page)
    screenshots(page, "console-link")

    invitation = deliver(stack, mail, email, "Northwind Supply invites you to request products")
    assert str(invitation.message["From"]).startswith("Northwind Supply via Dots")
    text = invitation.part("plain")
    assert "Loved your rainy-day reel!" in text
    [emailed] = LINK.findall(text)
    assert emailed == shown

    # The link from the email opens the store with its dots.
    store = context.new_page()
    store.goto(emailed)
    wait_for_dots(store, len(stack.catalog()))
    store.close()
    assert api_refuses(stack, token_of(emailed)) == 200

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_have_text("The link of Ana Lima no longer works.")
    expect(page.get_by_label("Link to send by DM")).to_have_count(0)
    assert api_refuses(stack, token_of(emailed)) == 401

    # The Influencers page lists them with the link's state and their record.
    page.get_by_role("link", name="← Influencers").click()
    person = page.locator("li.person").filter(has_text=email)
    expect(person).to_contain_text("Instagram @ana.lima · 48,200")
    expect(person).to_contain_text("0 requests, 0 approved")
    expect(person.locator(".status")).to_have_text("revoked")


def test_send_again_and_extend_by_keyboard(page: Page, stack: Stack) -> None:
    invite = stack.invite("/")
    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/influencers/links/{invite.link_id}")
    date_field = page.get_by_label("New expiry date")
    date_field.fill("2099-01-01")
    date_field.press("Enter")  # submits its form
    expect(page.get_by_role("alert")).to_have_text("Choose a day within a year from today.")

    page.get_by_role("button", name="Send again").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("the old one is revoked")
    assert api_refuses(stack, invite.token) == 401
    fresh = page.get_by_label("Link to send by DM").input_value()
    assert api_refuses(stack, token_of(fresh)) == 200


def _apply(page: Page, stack: Stack, email: str, followers: str, country: str = "PT") -> None:
    page.goto(f"{stack.widget_url}/apply/{BRAND}")
    expect(page.get_by_role("heading", name="Work with Northwind Supply")).to_be_visible()
    page.get_by_label("Your name").fill("Rita Sousa")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Country").fill(country)
    first = page.locator(".account-row").first
    first.get_by_label("Platform").select_option("instagram")
    first.get_by_label("Handle").fill("@rita.trails")
    first.get_by_label("Followers").fill(followers)
    page.get_by_label("Why would you like to work with us?").fill("Trail running in the Alps.")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 200)  # a person takes longer than a bot
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def _confirm(page: Page, stack: Stack, smtp: SmtpServer, email: str, check: bool = False) -> None:
    """Open the confirmation link from the email and confirm (``check``: scan the page)."""
    message = deliver(stack, smtp, email, "Confirm your application to Northwind Supply")
    [url] = CONFIRM.findall(message.part("plain"))
    page.goto(url)
    if check:
        assert_accessible(page)
        screenshots(page, "console-apply-confirm")
    page.get_by_role("button", name="Confirm my application").click()


@on_every_database
def test_apply_confirm_accept_and_open_the_personal_link(
    browser, stack: Stack, mail: SmtpServer
) -> None:
    email = f"rita-{uuid4().hex[:6]}@e2e.example"
    applicant = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    brand = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = applicant.new_page()
        _apply(page, stack, email, "25000")
        assert_accessible(page)
        screenshots(page, "console-apply-sent")
        _confirm(page, stack, mail, email, check=True)
        expect(page.get_by_role("heading", name="Thank you, Rita Sousa")).to_be_visible()
        assert_accessible(page)
        screenshots(page, "console-apply-confirmed")

        review = brand.new_page()
        sign_in(review, stack)
        review.goto(f"{stack.widget_url}/review/influencers/")
        card = review.locator("article.application").filter(has_text=email)
        expect(card).to_contain_text("Instagram @rita.trails · 25,000 (stated)")
        expect(card).to_contain_text("Trail running in the Alps.")
        card.get_by_role("button", name="Accept Rita Sousa").click()
        expect(review.get_by_role("status").first).to_have_text(
            "Accepted. We emailed Rita Sousa their personal link."
        )
        expect(review.locator("li.person").filter(has_text=email).locator(".status")).to_have_text(
            "active"
        )

        accepted = deliver(stack, mail, email, "Northwind Supply accepted your application")
        [link] = LINK.findall(accepted.part("plain"))
        page.goto(link)
        wait_for_dots(page, len(stack.catalog()))
    finally:
        applicant.close()
        brand.close()


def test_decline_with_a_reason(browser, stack: Stack, mail: SmtpServer) -> None:
    email = f"dan-{uuid4().hex[:6]}@e2e.example"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        _apply(page, stack, email, "900", country="US")
        _confirm(page, stack, mail, email)
        sign_in(page, stack)
        page.goto(f"{stack.widget_url}/review/influencers/")
        card = page.locator("article.application").filter(has_text=email)
        card.get_by_text("Decline…").click()
        card.get_by_label("Reason (optional, emailed to them)").fill("We ship to Europe only.")
        card.get_by_role("button", name="Decline Rita Sousa").click()
        expect(page.get_by_role("status").first).to_have_text("Declined. We emailed Rita Sousa.")
        declined = deliver(stack, mail, email, "Your application to Northwind Supply")
        assert "We ship to Europe only." in declined.part("plain")
    finally:
        context.close()


@on_every_database
def test_auto_accept_rules(browser, stack: Stack, mail: SmtpServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, stack)
        page.goto(f"{stack.widget_url}/review/influencers/")
        page.get_by_role("link", name="Auto-accept rules").click()
        page.get_by_label("Accept matching applicants automatically").check()
        page.get_by_label("Platform").select_option("instagram")
        page.get_by_label("At least this many followers").fill("10000")
        page.get_by_label("Countries (optional)").fill("pt es")
        page.get_by_role("button", name="Save rules").click()
        expect(page.get_by_role("status").first).to_have_text("Auto-accept rules saved.")
        expect(page.get_by_label("Countries (optional)")).to_have_value("ES PT")
        assert_accessible(page)
        screenshots(page, "console-open-invitation")

        big, small = (f"{who}-{uuid4().hex[:6]}@e2e.example" for who in ("big", "small"))
        applicant = context.new_page()
        _apply(applicant, stack, big, "12000")
        _confirm(applicant, stack, mail, big)
        expect(applicant.get_by_role("heading", name="You're in!")).to_be_visible()
        accepted = deliver(stack, mail, big, "Northwind Supply accepted your application")
        assert LINK.search(accepted.part("plain"))

        _apply(applicant, stack, small, "9999")
        _confirm(applicant, stack, mail, small)
        expect(applicant.get_by_role("heading", name="Thank you, Rita Sousa")).to_be_visible()
        page.goto(f"{stack.widget_url}/review/influencers/")
        expect(page.locator("article.application").filter(has_text=small)).to_be_visible()
        expect(page.locator("article.application").filter(has_text=big)).to_have_count(0)
    finally:
        with stack.widget_app.app_context():
            rules = session.get(ApplyRules, find_brand(BRAND).id)
            if rules is not None:
                rules.auto_accept = False
                session.commit()
        context.close()


def test_bulk_invite_previews_before_writing(page: Page, stack: Stack) -> None:
    tag = uuid4().hex[:6]
    csv = (
        "name,email,handles\n"
        f"Bea Costa,bea-{tag}@e2e.example,instagram:bea:20k\n"
        "No Email,,\n"
        f"Caio Reis,caio-{tag}@e2e.example,tiktok:caio:5000\n"
    )
    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/influencers/")
    page.get_by_role("link", name="Invite many from a CSV").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text(
        "2 ready to invite, 1 with errors (skipped)."
    )
    expect(page.locator("tr.bad")).to_contain_text("email: Not a valid email address.")
    other = page.context.new_page()
    other.goto(f"{stack.widget_url}/review/influencers/?q={tag}")
    expect(other.get_by_text(f"No one matches “{tag}”.")).to_be_visible()  # nothing written yet
    other.close()
    assert_accessible(page)
    screenshots(page, "console-bulk")
    page.get_by_role("button", name="Invite 2 people").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Invited 2 people by email. 1 row(s) with errors were skipped."
    )
    page.goto(f"{stack.widget_url}/review/influencers/?q={tag}")
    expect(page.locator("li.person")).to_have_count(2)


def test_new_pages_pass_axe_and_fit_phone_and_desktop(page: Page, stack: Stack) -> None:
    stack.invite("/")
    page.goto(f"{stack.widget_url}/apply/{BRAND}")
    assert_accessible(page)
    screenshots(page, "console-apply")
    page.get_by_role("button", name="Send application").click()  # everything missing
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page)
    screenshots(page, "console-apply-errors")

    sign_in(page, stack)
    page.goto(f"{stack.widget_url}/review/influencers/")
    assert_accessible(page)
    screenshots(page, "console-influencers")
    page.get_by_role("button", name="Send invitation").click()  # empty: errors by the field
    expect(page.locator("#name-error")).to_have_text("This field is required.")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    screenshots(page, "console-invite-errors")
