"""The brand follows one collaboration on its review pages, in a real browser.

Approve with a note (a confirmation step), undo inside the window, approve
again, then ship, deliver, (the influencer submits content), ask for
changes and accept, each by the page's own forms. Every tab and the request's
page in each state is scanned with axe, shot at desktop and 390 px (never
wider than the screen), and the approval and the undo are done with the
keyboard only. The stack is shared with other tests, so rows are found by
their request id and counts are not assumed.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.axe import assert_accessible
from tests.e2e.stack import BRAND, Stack
from tests.e2e.test_review_page import card, influencer, outbox, screenshots, sign_in
from widget_server import clock
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import lifecycle
from widget_server.product_requests.models import ProductRequest, RequestEvent

NOTE = "Use code <b>LENA15</b> for your followers & tag @northwind"


def _status(stack: Stack, request_id: int) -> str:
    with stack.widget_app.app_context():
        return session.get(ProductRequest, request_id).status


def _undo_window(stack: Stack, seconds: int | None) -> None:
    """The brand's own undo window (the stack serves with none, for the other tests)."""
    with stack.widget_app.app_context():
        find_brand(BRAND).approval_undo_seconds = seconds
        session.commit()


def _submit_content(stack: Stack, link_id: int, request_id: int, url: str) -> None:
    with stack.widget_app.app_context():
        lifecycle.submit_content(session.get(InfluencerLink, link_id), request_id, [url])
        session.commit()


def _check(page: Page, name: str) -> None:
    """Accessible, and no sideways scroll at desktop and phone width (shots kept)."""
    assert_accessible(page)
    screenshots(page, name)


def _tab(page: Page, stack: Stack, label: str, request_id: int) -> None:
    """Open a tab by its link in the tab bar; the row of ``request_id`` is on it."""
    if page.get_by_role("navigation", name="Requests by state").count() == 0:
        page.goto(f"{stack.widget_url}/review/")
    page.get_by_role("navigation", name="Requests by state").get_by_role("link", name=label).click()
    tab_link = page.get_by_role("navigation", name="Requests by state").get_by_role(
        "link", name=label
    )
    expect(tab_link).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    expect(card(page, request_id)).to_be_visible()


def test_approve_with_note_undo_approve_ship_deliver_changes_accept(
    page: Page, stack: Stack
) -> None:
    link_id, name, email = influencer(stack, "Collab Lena")
    request_id = stack.submit_request(link_id, ["everyday-organic-tee"])
    _undo_window(stack, 60)
    try:
        sign_in(page, stack)
        _check(page, "review-tabs-pending")

        # Approve: a confirmation step with the note, done with the keyboard.
        card(page, request_id).get_by_role("link", name="Approve…").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Approve the request from {name}?"
        )
        note = page.get_by_label("Note to the influencer (optional)")
        expect(note).to_be_focused()
        _check(page, "review-approve-confirm")
        page.keyboard.type(NOTE)
        page.keyboard.press("Tab")
        approve = page.get_by_role("button", name=f"Approve and email {name}")
        expect(approve).to_be_focused()
        page.keyboard.press("Enter")

        # Back on the list: the flash offers Undo; the email waits.
        flash = page.get_by_role("status")
        expect(flash).to_contain_text(f"Approved. We email {name} in 60 seconds")
        expect(page).to_have_url(f"{stack.widget_url}/review/")
        assert _status(stack, request_id) == "approved"
        (held,) = [m for m in outbox(stack, request_id) if m.template == "request_approved"]
        assert held.sent_at is None and held.next_attempt_at > clock.now() + timedelta(seconds=30)
        assert "LENA15" in held.text_body and "&lt;b&gt;LENA15" in held.html_body
        _check(page, "review-approved-undo")
        flash.get_by_role("button", name="Undo").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text(
            f"Approval undone: the request is pending again and {name} was not emailed."
        )
        assert _status(stack, request_id) == "pending"
        assert [m.template for m in outbox(stack, request_id)] == ["request_submitted"]
        expect(card(page, request_id)).to_be_visible()

        # Approve again (no note): the request's page offers Undo until the window ends.
        card(page, request_id).get_by_role("link", name="Approve…").click()
        page.get_by_role("button", name=f"Approve and email {name}").click()
        page.goto(f"{stack.widget_url}/review/requests/{request_id}")
        expect(page.get_by_role("button", name="Undo approval")).to_be_visible()
        _check(page, "review-detail-approved")
    finally:
        _undo_window(stack, None)

    # Awaiting shipment → Mark shipped (carrier, tracking, tracking URL).
    page.goto(f"{stack.widget_url}/review/")
    _tab(page, stack, "Awaiting shipment", request_id)
    _check(page, "review-tabs-awaiting-shipment")
    row = card(page, request_id)
    row.get_by_text("Mark shipped…").click()
    row.get_by_label("Carrier").fill("DHL Express")
    row.get_by_label("Tracking number").fill("JD014600006281")
    row.get_by_label("Tracking URL (optional)").fill("https://dhl.example/track?n=JD014600006281")
    row.get_by_role("button", name="Mark shipped").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Marked shipped. We emailed {name} the tracking."
    )
    assert _status(stack, request_id) == "shipped"

    # Shipped → Mark delivered.
    _tab(page, stack, "Shipped", request_id)
    expect(card(page, request_id).get_by_role("link", name="JD014600006281")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    _check(page, "review-tabs-shipped")
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    _check(page, "review-detail-shipped")
    page.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_role("status")).to_contain_text("Marked delivered.")
    assert _status(stack, request_id) == "delivered"
    _check(page, "review-detail-delivered")

    # Content pending: the due date; overdue once it has passed.
    with stack.widget_app.app_context():
        request = session.get(ProductRequest, request_id)
        request.content_due_at = clock.now() - timedelta(days=1)
        session.commit()
    _tab(page, stack, "Content pending", request_id)
    expect(card(page, request_id).locator(".overdue").first).to_have_text("Overdue")
    _check(page, "review-tabs-content-pending")

    # The influencer submits content; the brand asks for changes, then accepts.
    _submit_content(stack, link_id, request_id, "https://instagram.example/p/lena-1")
    _tab(page, stack, "Content submitted", request_id)
    row = card(page, request_id)
    expect(row.get_by_role("link", name="https://instagram.example/p/lena-1")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    _check(page, "review-tabs-content-submitted")
    row.get_by_text("Ask for changes…").click()
    row.get_by_label("What should change").fill("Please tag @northwind in the caption.")
    row.get_by_role("button", name="Ask for changes").click()
    expect(page.get_by_role("status")).to_have_text(f"We asked {name} for changes.")
    assert _status(stack, request_id) == "delivered"

    _submit_content(stack, link_id, request_id, "https://instagram.example/p/lena-2")
    page.goto(f"{stack.widget_url}/review/requests/{request_id}")
    _check(page, "review-detail-content-submitted")
    page.get_by_role("button", name="Accept content").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Content accepted: the collaboration with {name} is completed."
    )
    _check(page, "review-detail-completed")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    _tab(page, stack, "Completed", request_id)
    _check(page, "review-tabs-completed")

    with stack.widget_app.app_context():
        kinds = session.scalars(
            select(RequestEvent.kind)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        ).all()
    assert kinds == [
        "submitted", "approved", "approval_undone", "approved", "shipped", "delivered",
        "content_submitted", "changes_requested", "content_submitted", "completed",
    ]  # fmt: skip
    mails = [m.template for m in outbox(stack, request_id)]
    assert mails.count("request_approved") == 1 and mails[-1] == "request_completed"
    assert email
