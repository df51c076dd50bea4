"""After approval: shipment, delivery, content, completion (the one state machine); reminders."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.influencers.models import InfluencerLink
from widget_server.influencers.tokens import sign_link
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import send_due
from widget_server.product_requests import lifecycle, reminders, states
from widget_server.product_requests.models import ProductRequest, ReminderSent, RequestEvent
from widget_server.review.queries import summary, track_records

BRAND_TEAM = "team@north.example"


def approved_request(content_days: int | None = None, slug: str = "north") -> tuple[int, int]:
    """A committed approved request: ``(request id, influencer link id)``."""
    brand = make_brand(slug, **({"content_days": content_days} if content_days else {}))
    link, _token = make_link(brand, make_influencer(name="Ana Lima"))
    request = make_request(link, [make_product(brand).variants[0]])
    states.transition(request.id, states.APPROVED, f"team@{slug}.example")
    session.commit()
    return request.id, link.id


def events(request_id: int) -> list[tuple[str, str | None]]:
    return [
        (event.kind, event.note)
        for event in session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        )
    ]


def test_a_request_goes_from_approval_to_completion_with_each_step_timed_and_told(
    smtp_app, smtp, frozen_clock
):
    with smtp_app.app_context():
        request_id, link_id = approved_request(content_days=10)
        request = lifecycle.ship(
            request_id, BRAND_TEAM, "UPS", "1Z999", "https://ups.example/track/1Z999"
        )
        assert (request.status, request.carrier, request.tracking_number) == (
            "shipped",
            "UPS",
            "1Z999",
        )
        assert request.shipped_at == frozen_clock
        request = lifecycle.mark_delivered(request_id, "store")
        assert request.delivered_at == frozen_clock
        assert request.content_due_at == frozen_clock + timedelta(days=10)
        link = request.link
        posts = ["https://instagram.example/p/1", "https://tiktok.example/v/2"]
        request = lifecycle.submit_content(link, request_id, posts)
        assert request.content_urls == posts
        request = lifecycle.request_changes(request_id, BRAND_TEAM, "Please tag @north.")
        assert request.status == "delivered"
        request = lifecycle.submit_content(link, request_id, posts[:1])
        request = lifecycle.accept_content(request_id, BRAND_TEAM)
        assert request.status == "completed"
        session.commit()

        assert [kind for kind, _note in events(request_id)] == [
            "submitted",
            "approved",
            "shipped",
            "delivered",
            "content_submitted",
            "changes_requested",
            "content_submitted",
            "completed",
        ]
        assert ("shipped", "UPS · 1Z999") in events(request_id)
        assert ("changes_requested", "Please tag @north.") in events(request_id)
        assert send_due().counts["failed"] == 0

    sent = [(m.rcpt_tos[0], m.message["Subject"]) for m in smtp.messages]
    influencer = sent[1][0]
    assert sent[2:] == [
        (influencer, "North sent your products"),
        (influencer, "Your products from North arrived: content due 11 March 2026"),
        (BRAND_TEAM, "Ana Lima submitted their content"),
        (influencer, "North asked for changes to your content"),
        (BRAND_TEAM, "Ana Lima submitted their content"),
        (influencer, "Your collaboration with North is complete"),
    ]
    shipped = smtp.messages[2]
    assert "https://ups.example/track/1Z999" in shipped.part("html")
    assert "tracking number 1Z999" in shipped.part("plain")
    changes = smtp.messages[5]
    assert "Please tag @north." in changes.part("plain")
    submitted = smtp.messages[4]
    assert "https://tiktok.example/v/2" in submitted.part("plain")
    assert submitted.message["Reply-To"] == influencer


def test_content_is_due_fourteen_days_after_delivery_by_default(ctx, frozen_clock):
    request_id, _ = approved_request()
    lifecycle.ship(request_id, BRAND_TEAM, "DHL", "JD01", None)
    request = lifecycle.mark_delivered(request_id, BRAND_TEAM)
    assert request.content_due_at == frozen_clock + timedelta(days=14)
    assert not request.content_overdue(frozen_clock + timedelta(days=14))
    assert request.content_overdue(frozen_clock + timedelta(days=14, seconds=1))


def refusal(call, *args) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    session.rollback()
    return caught.value


def test_steps_out_of_order_are_refused_and_change_nothing(ctx):
    brand = make_brand("south")
    link, _ = make_link(brand)
    pending = make_request(link, [make_product(brand).variants[0]]).id
    error = refusal(lifecycle.ship, pending, BRAND_TEAM, "UPS", "1", None)
    assert (error.code, error.error) == (409, "wrong_status")
    assert "This request is pending; it cannot be shipped now." in error.description
    assert refusal(lifecycle.cancel, pending, BRAND_TEAM).code == 409
    assert refusal(lifecycle.submit_content, link, pending, ["https://x.example/p"]).code == 409

    request_id, _ = approved_request()
    assert refusal(lifecycle.mark_delivered, request_id, BRAND_TEAM).code == 409
    assert refusal(lifecycle.accept_content, request_id, BRAND_TEAM).code == 409
    lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1", None)
    session.commit()
    error = refusal(lifecycle.cancel, request_id, BRAND_TEAM)
    assert "This request is shipped; it cannot be cancelled now." in error.description
    error = refusal(lifecycle.ship, request_id, BRAND_TEAM, "UPS", "2", None)
    assert error.error == "wrong_status"
    assert session.get(ProductRequest, request_id, populate_existing=True).tracking_number == "1"
    assert [kind for kind, _ in events(request_id)] == ["submitted", "approved", "shipped"]


def test_someone_elses_request_is_not_found_for_content(ctx):
    request_id, _ = approved_request()
    other_link, _ = make_link(make_brand("east"))
    assert (
        refusal(lifecycle.submit_content, other_link, request_id, ["https://x.example"]).code == 404
    )


def test_the_brand_cancels_an_approved_request_and_the_influencer_is_told(ctx):
    request_id, _ = approved_request()
    request = lifecycle.cancel(request_id, BRAND_TEAM, "Out of stock, sorry.")
    session.commit()
    assert request.status == "cancelled"
    mail = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "request_cancelled")
    ).one()
    assert mail.to_addr == request.influencer.email
    assert "Out of stock, sorry." in mail.text_body
    assert mail.reply_to == "team@north.example"


def reminders_sent() -> list[tuple[int, str]]:
    return [
        (row.request_id, row.kind)
        for row in session.scalars(select(ReminderSent).order_by(ReminderSent.id))
    ]


def remind_at(runner, moment) -> str:
    result = runner.invoke(args=["remind", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_content_reminders_go_out_three_days_and_one_day_before_each_once(
    app, runner, smtp_app, smtp, frozen_clock
):
    with app.app_context():
        request_id, _ = approved_request()
        lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1", None)
        lifecycle.mark_delivered(request_id, BRAND_TEAM)
        session.commit()
    due = frozen_clock + timedelta(days=14)

    nothing = (
        "Sent 0 3-day and 0 1-day content reminder(s), 0 expiry digest(s) covering 0 request(s), "
        "0 metrics survey(s)."
    )
    assert remind_at(runner, due - timedelta(days=3, seconds=1)) == nothing
    three = (
        "Sent 1 3-day and 0 1-day content reminder(s), 0 expiry digest(s) covering 0 request(s), "
        "0 metrics survey(s)."
    )
    assert remind_at(runner, due - timedelta(days=3)) == three
    assert remind_at(runner, due - timedelta(days=3)) == nothing
    assert remind_at(runner, due - timedelta(days=2)) == nothing
    one = (
        "Sent 0 3-day and 1 1-day content reminder(s), 0 expiry digest(s) covering 0 request(s), "
        "0 metrics survey(s)."
    )
    assert remind_at(runner, due - timedelta(hours=20)) == one
    assert remind_at(runner, due - timedelta(hours=1)) == nothing
    assert remind_at(runner, due + timedelta(days=1)) == nothing  # overdue: the brand's flag

    with app.app_context():
        assert reminders_sent() == [(request_id, "content_due_3d"), (request_id, "content_due_1d")]
        send_due()
    subjects = [m.message["Subject"] for m in smtp.messages if "Reminder" in m.message["Subject"]]
    assert subjects == ["Reminder: your content for North is due 15 March 2026"] * 2
    texts = [m.part("plain") for m in smtp.messages if "Reminder" in m.message["Subject"]]
    assert "due in 3 days" in texts[0] and "due in 1 day," in texts[1]


def test_a_late_run_sends_only_the_closest_reminder_and_submitted_content_gets_none(
    app, runner, frozen_clock
):
    with app.app_context():
        late, _ = approved_request(slug="late")
        done, _ = approved_request(slug="done")
        for request_id in (late, done):
            lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1", None)
            request = lifecycle.mark_delivered(request_id, BRAND_TEAM)
        lifecycle.submit_content(request.link, done, ["https://x.example/p/1"])
        session.commit()
    remind_at(runner, frozen_clock + timedelta(days=13, hours=12))
    remind_at(runner, frozen_clock + timedelta(days=13, hours=13))
    with app.app_context():
        assert reminders_sent() == [(late, "content_due_1d")]


def test_the_brand_gets_one_digest_of_requests_expiring_within_two_days(app, runner, frozen_clock):
    with app.app_context():
        brand = make_brand("west")  # requests expire after 9 days
        first = make_request(make_link(brand)[0], [make_product(brand).variants[0]]).id
        other = make_brand("other")
        make_request(make_link(other)[0], [make_product(other).variants[0]])
    digest = (
        "0 3-day and 0 1-day content reminder(s), 2 expiry digest(s) covering 2 request(s), "
        "0 metrics survey(s)."
    )
    assert remind_at(runner, frozen_clock + timedelta(days=7)) == f"Sent {digest}"
    assert "0 expiry digest(s)" in remind_at(runner, frozen_clock + timedelta(days=8))
    with app.app_context():
        mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "expiry_digest")
        ).all()
        assert sorted(m.to_addr for m in mails) == ["team@other.example", "team@west.example"]
        west = next(m for m in mails if m.to_addr == "team@west.example")
        assert west.subject == "1 product request expires within 2 days"
        assert f"/review/requests/{first}" in west.text_body
        assert session.scalar(select(func.count()).select_from(ReminderSent)) == 2


def test_requests_already_expired_are_in_no_digest(app, runner, frozen_clock):
    with app.app_context():
        brand = make_brand("gone")
        make_request(make_link(brand)[0], [make_product(brand).variants[0]])
    assert "0 expiry digest(s)" in remind_at(runner, frozen_clock + timedelta(days=9))


def post_content(client, request_id, token, urls, brand="north"):
    return client.post(
        f"/v1/requests/{request_id}/content",
        json={"brand": brand, "urls": urls},
        headers={"Authorization": f"Bearer {token}", "Origin": f"https://{brand}.example"},
    )


def test_the_influencer_sends_content_links_through_the_api(app, client):
    with app.app_context():
        request_id, link_id = approved_request()
        token = sign_link(session.get(InfluencerLink, link_id))
        stranger = make_link(make_brand("other"))[1]
    posts = ["https://instagram.example/p/1"]
    early = post_content(client, request_id, token, posts)
    assert (early.status_code, early.get_json()["error"]) == (409, "wrong_status")
    with app.app_context():
        lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1Z", "https://ups.example/1Z")
        lifecycle.mark_delivered(request_id, BRAND_TEAM)
        session.commit()
    bad = post_content(client, request_id, token, ["javascript:alert(1)"])
    assert bad.status_code == 422 and "urls.0" in bad.get_json()["errors"]
    assert post_content(client, request_id, token, []).status_code == 422
    assert post_content(client, request_id, stranger, posts, brand="other").status_code == 404
    sent = post_content(client, request_id, token, posts)
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert (body["status"], body["content_urls"], body["carrier"]) == (
        "content_submitted",
        posts,
        "UPS",
    )
    assert body["content_due_at"] and body["tracking_url"] == "https://ups.example/1Z"
    mine = client.get(
        "/v1/requests/mine?brand=north",
        headers={"Authorization": f"Bearer {token}", "Origin": "https://north.example"},
    )
    assert mine.get_json()["requests"][0]["status"] == "content_submitted"


def test_racing_reminder_runs_send_each_reminder_once(app, frozen_clock):
    with app.app_context():
        ids = []
        for slug in ("race-a", "race-b", "race-c"):
            request_id, _ = approved_request(slug=slug)
            lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1", None)
            lifecycle.mark_delivered(request_id, BRAND_TEAM)
            ids.append(request_id)
        session.commit()
    moment = frozen_clock + timedelta(days=12)

    def run() -> None:
        with app.app_context():
            reminders.remind(as_of=moment)

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(run) for _ in range(4)]:
            future.result()
    with app.app_context():
        sent = session.scalars(
            select(OutboxMessage.request_id).where(OutboxMessage.template == "content_reminder")
        ).all()
        assert sorted(sent) == sorted(ids)


def test_a_shipped_or_completed_request_still_counts_as_approved_for_the_brand(ctx):
    request_id, _ = approved_request()
    request = lifecycle.ship(request_id, BRAND_TEAM, "UPS", "1", None)
    session.commit()
    counts = summary(request.brand_id)
    assert counts.all_time["approved"].count == 1
    assert counts.recent["approved"].count == 1
    record = track_records(request.brand_id, {request.influencer_id})[request.influencer_id]
    assert (record.requests, record.approved) == (1, 1)
