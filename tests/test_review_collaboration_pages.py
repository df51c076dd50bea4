"""The review site after approval: tabs per state, each step by form, approval note and undo.

Every test runs on SQLite and, with DOTS_TEST_DATABASE_URL, on PostgreSQL (the
``app`` fixture); emails that must (not) go out are checked on a real SMTP
server (``smtp``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from tests.factories import make_influencer, make_link, make_request
from tests.review_helpers import csrf_token, login
from tests.test_review_pages import PASSWORD, _brand_with_requests
from widget_server import clock
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due
from widget_server.product_requests import lifecycle, states
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem
from widget_server.review.queries import PAGE_SIZE

TEAM = "team@acme.example"


@pytest.fixture
def acme(app, frozen_clock):
    """One brand (and a rival) with a request in each state of the collaboration."""
    with app.app_context():
        acme = _brand_with_requests("acme")
        rival = _brand_with_requests("rival")
        v = [p.variants[0] for p in acme.products]
        ids = [make_request(acme.link, [variant]).id for variant in v]
        pending, approved, shipped, delivered, submitted = ids
        for rid in (approved, shipped, delivered, submitted):
            states.transition(rid, states.APPROVED, TEAM)
        for rid in (shipped, delivered, submitted):
            lifecycle.ship(rid, TEAM, "DHL", f"TRK{rid}", None)
        for rid in (delivered, submitted):
            lifecycle.mark_delivered(rid, TEAM)
        lifecycle.submit_content(acme.link, submitted, ["https://instagram.com/p/abc"])
        rival_pending = make_request(rival.link, [rival.products[0].variants[0]]).id
        states.transition(rival_pending, states.APPROVED, "team@rival.example")
        session.commit()
    return SimpleNamespace(
        brand_id=acme.brand.id,
        link_id=acme.link.id,
        pending=pending,
        approved=approved,
        shipped=shipped,
        delivered=delivered,
        submitted=submitted,
        rival=rival_pending,
        influencer=acme.influencer.name,
    )


@pytest.fixture
def client_in(client, acme):
    login(client, TEAM, PASSWORD)
    return client


def _post(client, url, **data):
    token = csrf_token(client, "/review/")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)


def _status(app, rid):
    with app.app_context():
        return session.get(ProductRequest, rid).status


def _flash(html, kind):
    found = re.findall(rf'<p class="flash {kind}"[^>]*>([^<]*)</p>', html)
    return [unescape(f.strip()) for f in found]


def _approval_mails(app, smtp, since):
    """Approval emails the SMTP server got after the first ``since`` messages."""
    return [m for m in smtp.messages[since:] if "approved" in m.message["Subject"]]


def _sent_so_far(app, smtp):
    """Deliver what the fixture queued, and say how many messages that made."""
    with app.app_context():
        send_due()
    return len(smtp.messages)


# --- tabs ----------------------------------------------------------------------------


TAB_URLS = {
    "approved": "/review/tab/awaiting-shipment",
    "shipped": "/review/tab/shipped",
    "delivered": "/review/tab/content-pending",
    "content_submitted": "/review/tab/content-submitted",
    "completed": "/review/tab/completed",
}


def test_each_tab_lists_its_state_with_counts_and_the_current_tab_marked(client_in, acme):
    expected = {
        "approved": acme.approved,
        "shipped": acme.shipped,
        "delivered": acme.delivered,
        "content_submitted": acme.submitted,
    }
    for status, url in TAB_URLS.items():
        response = client_in.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<nav class="tabs" aria-label="Requests by state">' in html
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
        assert url in current, (url, current)
        listed = {int(i) for i in re.findall(r'id="req-(\d+)"', html)}
        assert listed == ({expected[status]} if status in expected else set()), url
        assert f"/review/requests/{acme.rival}" not in html  # the rival's approved request
        # Counts in the labels: one of each (the rival's approved does not count).
        assert re.search(r'Awaiting shipment <span class="count">1</span>', html)
        assert re.search(r'Pending <span class="count">1</span>', html)
        assert re.search(r'Completed <span class="count">0</span>', html)
    assert client_in.get("/review/tab/nope").status_code == 404
    assert client_in.get("/review/tab/shipped?sort=x").status_code == 400


def test_content_pending_shows_due_dates_and_overdue_first(app, client_in, acme, frozen_clock):
    # A second delivered request, delivered a day later: due a day later.
    with app.app_context():
        later = acme.approved
        with clock.frozen_at(frozen_clock + timedelta(days=1)):
            lifecycle.ship(later, TEAM, "UPS", "1Z", "https://ups.example/t/1Z")
            lifecycle.mark_delivered(later, TEAM)
        session.commit()
    # 14.5 days on: the first is overdue, the second due in half a day.
    with clock.frozen_at(frozen_clock + timedelta(days=14, hours=12)):
        login(client_in, TEAM, PASSWORD)
        html = client_in.get("/review/tab/content-pending").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'id="req-(\d+)"', html)]
    assert order == [acme.delivered, later]
    first, second = html.split(f'id="req-{later}"')
    assert "Overdue" in first and "Overdue" not in second
    assert "Content due" in second and "Mar 16, 2026" in second
    assert '<a href="https://ups.example/t/1Z" rel="noopener noreferrer nofollow"' in second


# --- the steps ----------------------------------------------------------------------


def test_the_collaboration_step_by_step_through_the_forms(app, client_in, acme):
    rid = acme.approved
    # A tracking URL that is not http(s) is refused; nothing changes.
    html = _post(
        client_in,
        f"/review/requests/{rid}/ship",
        carrier="DHL",
        tracking_number="123",
        tracking_url="javascript:alert(1)",
    ).get_data(as_text=True)
    assert any("Tracking URL" in f for f in _flash(html, "error")), html
    assert _status(app, rid) == "approved"
    html = _post(client_in, f"/review/requests/{rid}/ship", carrier="", tracking_number="1")
    assert _status(app, rid) == "approved"
    html = _post(
        client_in,
        f"/review/requests/{rid}/ship",
        carrier="DHL Express",
        tracking_number="JD0123",
        tracking_url="https://dhl.example/track?n=JD0123",
        next="/review/tab/awaiting-shipment",
    ).get_data(as_text=True)
    assert _flash(html, "success") == ["Marked shipped. We emailed Ana Lima the tracking."]
    assert _status(app, rid) == "shipped"
    # Shipping twice is a refusal shown as a message, never a 500.
    again = _post(client_in, f"/review/requests/{rid}/ship", carrier="X", tracking_number="Y")
    assert again.status_code == 200
    assert _flash(again.get_data(as_text=True), "error") == [
        "This request is shipped; it cannot be shipped now."
    ]

    detail = client_in.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert 'href="https://dhl.example/track?n=JD0123" rel="noopener noreferrer nofollow"' in detail
    html = _post(client_in, f"/review/requests/{rid}/delivered").get_data(as_text=True)
    assert _flash(html, "success") == ["Marked delivered. Ana Lima's content is due in 14 days."]
    assert _status(app, rid) == "delivered"
    # Accepting content before it was submitted is refused.
    html = _post(client_in, f"/review/requests/{rid}/accept").get_data(as_text=True)
    assert _flash(html, "error") == ["This request is delivered; it cannot be completed now."]

    with app.app_context():
        link = session.get(ProductRequest, rid).link
        lifecycle.submit_content(link, rid, ["https://tiktok.com/@ana/1", "https://x.example/2"])
        session.commit()
    detail = client_in.get(f"/review/requests/{rid}").get_data(as_text=True)
    assert 'href="https://tiktok.com/@ana/1" rel="noopener noreferrer nofollow"' in detail
    # Asking for changes needs a note.
    html = _post(client_in, f"/review/requests/{rid}/changes", note="  ").get_data(as_text=True)
    assert _flash(html, "error") == ["What should change: Say what to change."]
    assert _status(app, rid) == "content_submitted"
    _post(client_in, f"/review/requests/{rid}/changes", note="Please tag @acme")
    assert _status(app, rid) == "delivered"
    with app.app_context():
        link = session.get(ProductRequest, rid).link
        lifecycle.submit_content(link, rid, ["https://tiktok.com/@ana/3"])
        session.commit()
    html = _post(client_in, f"/review/requests/{rid}/accept").get_data(as_text=True)
    assert _flash(html, "success") == [
        "Content accepted: the collaboration with Ana Lima is completed."
    ]
    with app.app_context():
        kinds = session.scalars(
            select(RequestEvent.kind)
            .where(RequestEvent.request_id == rid)
            .order_by(RequestEvent.id)
        ).all()
        mails = session.scalars(
            select(OutboxMessage.template)
            .where(OutboxMessage.request_id == rid, OutboxMessage.kind == "email")
            .order_by(OutboxMessage.id)
        ).all()
    assert kinds[-6:] == [
        "shipped", "delivered", "content_submitted", "changes_requested",
        "content_submitted", "completed",
    ]  # fmt: skip
    assert "request_changes_requested" in mails and mails[-1] == "request_completed"
    completed = client_in.get(TAB_URLS["completed"]).get_data(as_text=True)
    assert f'id="req-{rid}"' in completed


def test_cancel_only_while_approved(app, client_in, acme):
    html = _post(client_in, f"/review/requests/{acme.shipped}/cancel").get_data(as_text=True)
    assert _flash(html, "error") == ["This request is shipped; it cannot be cancelled now."]
    long = _post(client_in, f"/review/requests/{acme.approved}/cancel", note="x" * 1001)
    assert "at most 1,000" in long.get_data(as_text=True)
    assert _status(app, acme.approved) == "approved"
    html = _post(client_in, f"/review/requests/{acme.approved}/cancel", note="Out of stock")
    assert _flash(html.get_data(as_text=True), "success") == ["Cancelled. We emailed Ana Lima."]
    assert _status(app, acme.approved) == "cancelled"


NEW_POSTS = ["ship", "delivered", "accept", "changes", "cancel", "undo", "approve"]


@pytest.mark.parametrize("step", NEW_POSTS)
def test_another_brands_request_is_a_404_for_every_step(app, client_in, acme, step):
    token = csrf_token(client_in, "/review/")
    response = client_in.post(
        f"/review/requests/{acme.rival}/{step}",
        data={"csrf_token": token, "carrier": "A", "tracking_number": "B", "note": "n"},
    )
    assert response.status_code == 404
    assert _status(app, acme.rival) == "approved"
    assert client_in.get(f"/review/requests/{acme.rival}/approve").status_code == 404


@pytest.mark.parametrize("step", NEW_POSTS)
def test_every_step_without_csrf_is_refused(app, client_in, acme, step):
    rid = {"ship": acme.approved, "cancel": acme.approved, "undo": acme.approved,
           "delivered": acme.shipped, "accept": acme.submitted, "changes": acme.submitted,
           "approve": acme.pending}[step]  # fmt: skip
    before = _status(app, rid)
    response = client_in.post(
        f"/review/requests/{rid}/{step}", data={"carrier": "A", "tracking_number": "B", "note": "n"}
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert _status(app, rid) == before


# --- approving: confirmation, note, undo ----------------------------------------------


def _outbox(app, rid):
    with app.app_context():
        return session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == rid, OutboxMessage.template == "request_approved")
            .order_by(OutboxMessage.id)
        ).all()


def test_approve_asks_for_confirmation_and_emails_the_note_escaped(smtp_app, smtp, client_in, acme):
    rid = acme.pending
    since = _sent_so_far(smtp_app, smtp)
    page = client_in.get(f"/review/requests/{rid}/approve?next=/review/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Approve the request from Ana Lima?" in html
    assert 'name="next" value="/review/"' in html
    assert _status(smtp_app, rid) == "pending"  # the GET changed nothing
    assert client_in.get(f"/review/requests/{rid}/approve?next=//evil.example").status_code == 200
    assert "//evil.example" not in client_in.get(
        f"/review/requests/{rid}/approve?next=//evil.example"
    ).get_data(as_text=True)

    too_long = _post(client_in, f"/review/requests/{rid}/approve", note="x" * 1001)
    assert "at most 1,000" in too_long.get_data(as_text=True)
    assert _status(smtp_app, rid) == "pending"

    note = "Use code <b>ANA20</b> & tag @acme"
    done = _post(client_in, f"/review/requests/{rid}/approve", note=note, next="/review/")
    assert done.request.path == "/review/"
    assert _status(smtp_app, rid) == "approved"
    with smtp_app.app_context():
        event = session.scalar(
            select(RequestEvent).where(
                RequestEvent.request_id == rid, RequestEvent.kind == "approved"
            )
        )
        assert event.note == note
        send_due()
    (mail,) = _approval_mails(smtp_app, smtp, since)
    assert note in mail.part("plain")
    assert "Use code &lt;b&gt;ANA20&lt;/b&gt; &amp; tag @acme" in mail.part("html")


@pytest.fixture
def undo_window(app):
    app.config["APPROVAL_UNDO_SECONDS"] = 60
    return timedelta(seconds=60)


def test_undo_inside_the_window_and_the_email_never_goes(
    smtp_app, smtp, client_in, acme, undo_window, frozen_clock
):
    rid = acme.pending
    since = _sent_so_far(smtp_app, smtp)
    html = _post(client_in, f"/review/requests/{rid}/approve", note="code ANA").get_data(
        as_text=True
    )
    assert "Approved. We email Ana Lima in 60 seconds unless you undo it." in html
    assert f'action="/review/requests/{rid}/undo"' in html  # Undo with the flash
    (held,) = _outbox(smtp_app, rid)
    assert held.next_attempt_at == frozen_clock + undo_window
    with smtp_app.app_context():
        assert send_due().counts["sent"] == 0
        claims = session.scalars(
            select(RequestItem.pending_claim).where(RequestItem.request_id == rid)
        ).all()
        assert claims == [None]

    with clock.frozen_at(frozen_clock + timedelta(seconds=59)):
        detail = client_in.get(f"/review/requests/{rid}").get_data(as_text=True)
        assert "Undo approval" in detail
        html = _post(client_in, f"/review/requests/{rid}/undo").get_data(as_text=True)
    assert _flash(html, "success") == [
        "Approval undone: the request is pending again and Ana Lima was not emailed."
    ]
    assert _status(smtp_app, rid) == "pending"
    assert _outbox(smtp_app, rid) == []
    with smtp_app.app_context():
        request = session.get(ProductRequest, rid)
        assert request.decided_at is None
        assert [i.pending_claim for i in request.items] == [True]
        kinds = [e.kind for e in request.events]
        assert kinds[-2:] == ["approved", "approval_undone"]
    with clock.frozen_at(frozen_clock + timedelta(minutes=5)), smtp_app.app_context():
        send_due()
    assert _approval_mails(smtp_app, smtp, since) == []
    # Pending again: it is on the list and can be approved again.
    assert f'id="req-{rid}"' in client_in.get("/review/").get_data(as_text=True)
    _post(client_in, f"/review/requests/{rid}/approve")
    assert _status(smtp_app, rid) == "approved"


def test_undo_after_the_window_is_refused_and_the_email_goes_once(
    smtp_app, smtp, client_in, acme, undo_window, frozen_clock
):
    rid = acme.pending
    since = _sent_so_far(smtp_app, smtp)
    _post(client_in, f"/review/requests/{rid}/approve")
    later = frozen_clock + undo_window
    with clock.frozen_at(later):
        detail = client_in.get(f"/review/requests/{rid}").get_data(as_text=True)
        assert "Undo approval" not in detail
        html = _post(client_in, f"/review/requests/{rid}/undo").get_data(as_text=True)
        assert _flash(html, "error") == [
            "This approval can no longer be undone: the time to undo it is over and "
            "the influencer is being emailed."
        ]
        with smtp_app.app_context():
            assert send_due().counts["sent"] == 1
            assert send_due().counts["sent"] == 0
    assert _status(smtp_app, rid) == "approved"
    assert len(_approval_mails(smtp_app, smtp, since)) == 1


def test_undo_is_refused_once_the_store_made_an_order(app, client_in, acme, undo_window):
    rid = acme.pending
    _post(client_in, f"/review/requests/{rid}/approve")
    with app.app_context():
        lifecycle.record_order(rid, "store", "#1001", None)
        session.commit()
    html = _post(client_in, f"/review/requests/{rid}/undo").get_data(as_text=True)
    assert _flash(html, "error") == [
        "This approval can no longer be undone: the store already created order #1001."
    ]
    assert _status(app, rid) == "approved"


def test_undo_is_refused_when_the_product_was_requested_again(app, client_in, acme, undo_window):
    rid = acme.pending
    _post(client_in, f"/review/requests/{rid}/approve")
    with app.app_context():
        request = session.get(ProductRequest, rid)
        link = session.get(type(request.link), acme.link_id)
        again = make_request(link, [request.items[0].variant]).id
    html = _post(client_in, f"/review/requests/{rid}/undo").get_data(as_text=True)
    assert "another request for one of these products" in html
    assert _status(app, rid) == "approved"
    assert len(_outbox(app, rid)) == 1  # the approval's email still goes
    assert _status(app, again) == "pending"


def test_other_emails_and_webhooks_are_not_held_back(app, client_in, acme, undo_window):
    with app.app_context():
        brand_id = acme.brand_id
        session.execute(
            update(type(session.get(ProductRequest, acme.pending).brand))
            .values(webhook_url="https://hooks.example/dots", webhook_secret="s")
            .execution_options(synchronize_session=False)
        )
        session.commit()
        assert brand_id
    now = clock.now()
    _post(client_in, f"/review/requests/{acme.pending}/deny")
    _post(client_in, f"/review/requests/{acme.shipped}/delivered")
    with app.app_context():
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.created_at >= now)).all()
    assert {r.template for r in rows} >= {"request_denied", "request.denied", "request_delivered"}
    assert all(r.next_attempt_at <= now for r in rows)


def test_a_brand_sets_its_own_window(app, client_in, acme):
    with app.app_context():
        brand = session.get(ProductRequest, acme.pending).brand
        brand.approval_undo_seconds = 300
        session.commit()
    _post(client_in, f"/review/requests/{acme.pending}/approve")
    (held,) = _outbox(app, acme.pending)
    assert held.next_attempt_at == clock.now() + timedelta(seconds=300)


# --- the pending list by expiry -------------------------------------------------------


def _walk(client, first):
    """Every request id on the pending list, page by page, following its own links."""
    ids, url = [], first
    while url:
        html = client.get(url).get_data(as_text=True)
        ids += [int(i) for i in re.findall(r'<h2 id="req-(\d+)">', html)]
        more = re.search(r'<a class="button" href="([^"]+)">Older pending requests</a>', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    return ids


def test_pending_sorted_by_expiry_pages_correctly(app, client, frozen_clock):
    with app.app_context():
        shop = _brand_with_requests("many")
        ids = []
        for n in range(PAGE_SIZE + 4):
            person = make_influencer(name=f"Creator {n}")
            link, _ = make_link(shop.brand, person)
            with clock.frozen_at(frozen_clock + timedelta(minutes=n)):
                ids.append(make_request(link, [shop.products[0].variants[0]]).id)
        # Expiry in another order than submission, with ties across the page boundary.
        for n, rid in enumerate(ids):
            days = 1 + (n * 7) % 5
            session.execute(
                update(ProductRequest)
                .where(ProductRequest.id == rid)
                .values(expires_at=frozen_clock + timedelta(days=days))
            )
        session.commit()
        rows = session.execute(
            select(ProductRequest.id, ProductRequest.expires_at, ProductRequest.submitted_at)
        ).all()
        assert session.scalar(select(func.count(ProductRequest.id))) == PAGE_SIZE + 4
    login(client, "team@many.example", PASSWORD)
    by_expiry = [r.id for r in sorted(rows, key=lambda r: (r.expires_at, r.id))]
    newest = [r.id for r in sorted(rows, key=lambda r: (r.submitted_at, r.id), reverse=True)]
    assert by_expiry != newest
    assert _walk(client, "/review/?sort=expiry") == by_expiry
    assert _walk(client, "/review/") == newest
    html = client.get("/review/?sort=expiry").get_data(as_text=True)
    assert '<nav class="sort" aria-label="Sort pending requests">' in html
    assert re.search(r'href="/review/\?sort=expiry" aria-current="page"', html)
    assert client.get("/review/?sort=oldest").status_code == 400
