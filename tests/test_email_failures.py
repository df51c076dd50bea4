"""Email that gives up: permanent refusals, bounded retries, and ``--now`` that sends at once.

Against the real SMTP test server (:mod:`tests.smtp_server`), which answers
``550``/``554`` (permanent) or ``451`` (temporary) as each test asks.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.conftest import make_test_app
from tests.factories import make_brand, make_link, make_product, make_request
from tests.review_helpers import login
from tests.smtp_server import SmtpServer
from tests.test_outbox import enqueue_many, outbox_rows
from widget_server import clock
from widget_server.brands.services import add_brand_user
from widget_server.config import ConfigError
from widget_server.db import session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.sender import backoff, send_due
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest

UNKNOWN_USER = "550 5.1.1 <creator+1@example.com>: Recipient address rejected: User unknown"
BUSY = "451 4.3.0 Mailbox busy, try later"


def refuse_creator_1(reply: str):
    """A rejecter that refuses only creator+1@example.com with ``reply``."""
    return lambda address: reply if address.startswith("creator+1@") else None


# --- permanent refusals ----------------------------------------------------------------


def test_a_550_at_rcpt_is_never_retried(smtp_app, smtp, frozen_clock):
    smtp.reject_rcpt = refuse_creator_1(UNKNOWN_USER)
    with smtp_app.app_context():
        ids = enqueue_many(3)
        report = send_due()
        assert sorted(item.id for item in report.sent) == [ids[0], ids[2]]
        (failed,) = report.failed
        assert failed.id == ids[1] and failed.gave_up
        assert "550 5.1.1" in failed.error and "User unknown" in failed.error

        row = session.get(OutboxMessage, ids[1], populate_existing=True)
        assert row.status == "failed" and row.failed_at == frozen_clock
        assert row.attempts == 1 and row.sent_at is None
        assert row.last_error.startswith("recipient refused")
        assert "550" in row.last_error and "User unknown" in row.last_error

        smtp.reject_rcpt = None  # even once the server would take it, it is not sent again
        for later in (backoff(1), timedelta(hours=2), timedelta(days=30)):
            with clock.frozen_at(frozen_clock + later):
                assert send_due().claimed == 0
    assert [m.rcpt_tos for m in smtp.messages] == [
        ("creator+0@example.com",),
        ("creator+2@example.com",),
    ]


def test_a_554_to_the_message_is_never_retried(smtp_app, smtp, frozen_clock):
    smtp.reject = lambda envelope: "554 5.7.1 Message rejected as spam"
    with smtp_app.app_context():
        (row_id,) = enqueue_many(1)
        (failed,) = send_due().failed
        assert failed.gave_up and failed.error == "554 5.7.1 Message rejected as spam"
        smtp.reject = None
        with clock.frozen_at(frozen_clock + timedelta(days=1)):
            assert send_due().claimed == 0
        assert session.get(OutboxMessage, row_id, populate_existing=True).status == "failed"
    assert smtp.messages == []


def test_a_message_that_cannot_be_built_is_given_up_at_once(smtp_app, smtp, frozen_clock):
    with smtp_app.app_context():
        (row_id,) = enqueue_many(1)
        # Rows written before enqueue_email checked addresses could hold anything.
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(to_addr="ana@example.com\nBcc: x@evil.example")
        )
        session.commit()
        (failed,) = send_due().failed
        assert failed.gave_up and failed.error.startswith("cannot build the message")
    assert smtp.messages == []


# --- temporary failures ----------------------------------------------------------------


def test_a_451_is_retried_then_given_up_after_the_maximum_attempts(smtp_app, smtp, frozen_clock):
    smtp_app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp.reject_rcpt = refuse_creator_1(BUSY)
    with smtp_app.app_context():
        ids = enqueue_many(2)
        moment = frozen_clock
        for attempt in (1, 2):
            with clock.frozen_at(moment):
                (failed,) = send_due().failed
            assert not failed.gave_up and BUSY in failed.error
            row = session.get(OutboxMessage, ids[1], populate_existing=True)
            assert row.status == "retrying" and row.attempts == attempt
            assert row.next_attempt_at == moment + backoff(attempt)
            moment = row.next_attempt_at
        with clock.frozen_at(moment):
            (failed,) = send_due().failed
        assert failed.gave_up
        row = session.get(OutboxMessage, ids[1], populate_existing=True)
        assert row.status == "failed" and row.attempts == 3 and row.failed_at == moment
        assert (
            row.last_error
            == f"gave up after 3 attempt(s): recipient refused (creator+1@example.com: {BUSY})"
        )
        smtp.reject_rcpt = None
        with clock.frozen_at(moment + timedelta(days=1)):
            assert send_due().claimed == 0
    assert [m.rcpt_tos for m in smtp.messages] == [("creator+0@example.com",)]


def test_a_451_is_given_up_once_the_email_is_older_than_the_maximum_age(
    smtp_app, smtp, frozen_clock
):
    smtp_app.config["OUTBOX_MAX_AGE"] = timedelta(minutes=5)
    smtp.reject = lambda envelope: BUSY
    with smtp_app.app_context():
        (row_id,) = enqueue_many(1)
        moment, attempts = frozen_clock, 0
        while True:
            with clock.frozen_at(moment):
                (failed,) = send_due().failed
            attempts += 1
            if failed.gave_up:
                break
            moment += backoff(attempts)
        # Tries at 0, 30s, 1m30s and 3m30s back off; the try at 7m30s is past five minutes.
        assert attempts == 5 and moment - frozen_clock == timedelta(minutes=7, seconds=30)
        row = session.get(OutboxMessage, row_id, populate_existing=True)
        assert row.status == "failed" and row.last_error == f"gave up after 5 attempt(s): {BUSY}"
    assert smtp.messages == []


def test_a_server_that_stays_down_is_given_up_on_after_the_maximum_attempts(
    smtp_app, smtp, frozen_clock
):
    smtp_app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    smtp.stop()
    with smtp_app.app_context():
        enqueue_many(2)
        first = send_due()
        assert [item.gave_up for item in first.failed] == [False, False]
        with clock.frozen_at(frozen_clock + backoff(1)):
            second = send_due()
        assert [item.gave_up for item in second.failed] == [True, True]
        assert all("Connection refused" in item.error for item in second.failed)
        assert {row.status for row in outbox_rows()} == {"failed"}


def test_a_refused_login_is_not_a_permanent_refusal_of_the_email(app, frozen_clock):
    server = SmtpServer(users={"dots": "right"}, auth_require_tls=False).start()
    try:
        app.config.update(SMTP_URL=f"smtp://dots:wrong@127.0.0.1:{server.port}")
        with app.app_context():
            (row_id,) = enqueue_many(1)
            (failed,) = send_due().failed
            assert "535" in failed.error and not failed.gave_up
            assert session.get(OutboxMessage, row_id, populate_existing=True).status == "retrying"
    finally:
        server.stop()


pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# --- where people see it -----------------------------------------------------------------


def test_a_failed_email_shows_on_the_timeline_and_in_outbox_list(smtp_app, smtp, frozen_clock):
    smtp.reject_rcpt = lambda address: "550 5.1.1 No such mailbox here"
    with smtp_app.app_context():
        brand = make_brand("acme")
        add_brand_user(brand, "team@acme.example", "correct horse battery")
        link, _ = make_link(brand)
        request = make_request(link, [make_product(brand).variants[0]])
        states.transition(request.id, states.APPROVED, "team@acme.example")
        session.commit()
        smtp.reject_rcpt = lambda address: (
            "550 5.1.1 No such mailbox here" if address == link.influencer.email else None
        )
        report = send_due()
        assert [item.template for item in report.sent] == ["request_submitted"]
        assert [(item.template, item.gave_up) for item in report.failed] == [
            ("request_approved", True)
        ]
        influencer_email, request_id = link.influencer.email, request.id

    client = smtp_app.test_client()
    login(client, "team@acme.example", "correct horse battery")
    html = client.get(f"/review/requests/{request_id}").get_data(as_text=True)
    timeline = html.split("<h2>Timeline</h2>", 1)[1]
    assert "email not delivered" in timeline
    assert f"to {influencer_email}" in timeline
    assert "550 5.1.1 No such mailbox here" in timeline
    assert timeline.index("approved") < timeline.index("email not delivered")

    runner = smtp_app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "list", "--failed"])
    assert listed.exit_code == 0, listed.output
    assert "failed" in listed.output and "request_approved" in listed.output
    assert "550 5.1.1 No such mailbox here" in listed.output
    assert "request_submitted" not in listed.output
    assert runner.invoke(args=["outbox", "list", "--pending"]).output.strip() == (
        "No pending emails."
    )
    both = runner.invoke(args=["outbox", "list", "--pending", "--failed"])
    assert both.exit_code == 2 and "exclude each other" in both.output


def test_outbox_retry_sends_what_was_given_up_on_again(smtp_app, smtp, frozen_clock):
    """An outage outlasted the retries: the operator names emails, or all of them, and
    the sender delivers them; only given-up emails can be named, and a mistake changes none."""
    smtp_app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    smtp.reject_rcpt = lambda address: None if address == "creator+0@example.com" else BUSY
    runner = smtp_app.test_cli_runner()
    with smtp_app.app_context():
        sent, first, second, third = enqueue_many(4)
        assert len(send_due().failed) == 3
    smtp.reject_rcpt = lambda address: None

    refused = runner.invoke(args=["outbox", "retry", str(first), str(sent)])
    assert refused.exit_code == 1 and f"not given up on (see outbox list --failed): #{sent}" in (
        refused.output
    )
    assert runner.invoke(args=["outbox", "retry"]).exit_code == 2
    assert runner.invoke(args=["outbox", "retry", "1", "--all-failed"]).exit_code == 2
    with smtp_app.app_context():
        assert [row.status for row in outbox_rows()] == ["sent", "failed", "failed", "failed"]

    later = frozen_clock + timedelta(hours=1)
    with clock.frozen_at(later):
        one = runner.invoke(args=["outbox", "retry", str(first)])
        assert one.output.strip() == "1 message(s) due again; the sender delivers them."
        with smtp_app.app_context():
            assert [item.id for item in send_due().sent] == [first]
        every = runner.invoke(args=["outbox", "retry", "--all-failed"])
        assert every.output.startswith("2 message(s) due again")
        with smtp_app.app_context():
            assert sorted(item.id for item in send_due().sent) == [second, third]
            assert [row.status for row in outbox_rows()] == ["sent"] * 4
    assert sorted(r.rcpt_tos[0] for r in smtp.messages) == [
        f"creator+{n}@example.com" for n in range(4)
    ]


def test_outbox_send_says_which_emails_it_gave_up_on(smtp_app, smtp, frozen_clock):
    smtp.reject_rcpt = refuse_creator_1(UNKNOWN_USER)
    with smtp_app.app_context():
        enqueue_many(2)
    result = smtp_app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "gave up #" in result.output and "550 5.1.1" in result.output
    assert "Outbox: sent 1, failed 1, released 0." in result.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DOTS_OUTBOX_MAX_ATTEMPTS", "0"),
        ("DOTS_OUTBOX_MAX_ATTEMPTS", "many"),
        ("DOTS_OUTBOX_MAX_ATTEMPTS", "1e3"),
        ("DOTS_OUTBOX_MAX_AGE", "forever"),
        ("DOTS_OUTBOX_MAX_AGE", "99999999999d"),
    ],
)
def test_bad_retry_settings_stop_the_start(database_url, tmp_path, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        make_test_app(database_url, tmp_path / "instance")


# --- --now decides what is overdue, not when mail goes out ---------------------------------


def pending_request(app: Flask) -> SimpleNamespace:
    """A committed pending request of brand acme (submitted now, on the real clock)."""
    with app.app_context():
        brand = make_brand("acme")
        link, _ = make_link(brand)
        request = make_request(link, [make_product(brand).variants[0]])
        session.commit()
        return SimpleNamespace(
            id=request.id, expires_at=request.expires_at, influencer_email=link.influencer.email
        )


def test_expire_with_now_in_the_future_queues_its_emails_for_now(app, runner, smtp):
    """No frozen clock here: the sender runs on the real one, as in production."""
    app.config.update(SMTP_URL=smtp.url)
    request = pending_request(app)
    expires_at, influencer_email = request.expires_at, request.influencer_email
    before = clock.now()
    later = (expires_at + timedelta(minutes=1)).isoformat()
    result = runner.invoke(args=["expire", "--now", later])
    assert result.exit_code == 0, result.output
    assert "Expired 1 request(s)." in result.output
    after = clock.now()

    with app.app_context():
        mail = session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "request_expired")
        )
        assert before <= mail.created_at <= after
        assert before <= mail.next_attempt_at <= after
        report = send_due()
        assert "request_expired" in [item.template for item in report.sent]
    assert influencer_email in [m.rcpt_tos[0] for m in smtp.messages]


def test_expire_with_now_still_judges_overdue_by_that_time(app, runner):
    expires_at = pending_request(app).expires_at
    early = runner.invoke(args=["expire", "--now", (expires_at - timedelta(seconds=1)).isoformat()])
    assert "Expired 0 request(s)." in early.output
    late = runner.invoke(args=["expire", "--now", expires_at.isoformat()])
    assert "Expired 1 request(s)." in late.output


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",  # before the first UTC datetime
        "9999-12-31T23:59:59-05:00",  # after the last
        "9999-12-31T23:59:59+00:00",
        "1900-01-01T00:00:00+00:00",
        "2026-02-30T00:00:00Z",
        "2026-03-10T12:00:00",
        "tomorrow",
    ],
)
def test_expire_refuses_a_bad_now_in_one_line(runner, value):
    result = runner.invoke(args=["expire", "--now", value])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "--now" in result.output


def test_expire_refuses_a_batch_size_that_would_loop_or_overflow(runner):
    for value in ("0", "-5", "99999999999999999999"):
        result = runner.invoke(args=["expire", "--batch-size", value])
        assert result.exit_code == 2, (value, result.output)
        assert "--batch-size" in result.output


def test_expire_timeline_is_stamped_with_the_real_time(app, runner):
    request = pending_request(app)
    request_id, expires_at = request.id, request.expires_at
    before = clock.now()
    runner.invoke(args=["expire", "--now", (expires_at + timedelta(days=3)).isoformat()])
    with app.app_context():
        expired = session.get(ProductRequest, request_id)
        assert expired.status == "expired"
        assert before <= expired.decided_at <= clock.now()
