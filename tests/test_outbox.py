"""The email outbox without SMTP: rendering, the transaction, claims, leases, files, CLI.

Delivery over a real SMTP server is in ``test_smtp_delivery.py``.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.factories import make_brand, make_influencer, make_product
from widget_server import clock
from widget_server.db import engine, session
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.outbox import enqueue_email
from widget_server.notifications.sender import (
    LEASE,
    backoff,
    build_message,
    run_sender_forever,
    send_due,
)
from widget_server.product_requests.models import ProductRequest, RequestItem

XSS = "<script>alert(1)</script>"
REVIEW_URL = "http://widget.test/review/requests/1"


def request_with_items(
    *,
    influencer_name: str = "Ana Lima",
    message: str = "Autumn looks for my followers.",
    links: list[str] | None = None,
    expiry_days: int = 9,
    currency: str = "USD",
) -> ProductRequest:
    """A committed pending request with two items, written directly (no emails enqueued).

    The request service enqueues its own email; building the rows here keeps
    the outbox holding only what each test puts there.
    """
    brand = make_brand(expiry_days=expiry_days, currency=currency)
    influencer = make_influencer(name=influencer_name)
    jacket = make_product(brand, prices=(12999,), sizes=("M",))
    socks = make_product(brand, prices=(1250,), sizes=("One size",))
    now = clock.now()
    items = [
        RequestItem(
            influencer_id=influencer.id,
            product_id=product.id,
            variant_id=product.variants[0].id,
            product_handle=product.handle,
            product_title=title,
            variant_title=product.variants[0].title,
            image_url=product.image_url,
            quantity=quantity,
            unit_price_minor=product.variants[0].price_minor,
        )
        for product, title, quantity in ((jacket, "Trail Jacket", 1), (socks, "Wool Socks", 2))
    ]
    request = ProductRequest(
        brand_id=brand.id,
        influencer_id=influencer.id,
        status="pending",
        submitted_at=now,
        expires_at=now + timedelta(days=expiry_days),
        currency=currency,
        total_minor=sum(item.line_total_minor for item in items),
        proposal={
            "content_types": ["reel", "story"],
            "platforms": ["instagram"],
            "publish_on": "2026-04-05",
            "message": message,
            "links": links if links is not None else ["https://portfolio.example/ana"],
        },
        shipping_address={"name": influencer_name, "city": "Lisbon", "country": "PT"},
        items=items,
    )
    session.add(request)
    session.commit()
    return request


def outbox_rows() -> list[OutboxMessage]:
    """Every outbox row, read fresh from the database."""
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def enqueue_many(count: int, request: ProductRequest | None = None) -> list[int]:
    """Commit ``count`` brand messages numbered 0..count-1; return their ids."""
    request = request or request_with_items()
    rows = [
        enqueue_email(
            to=f"creator+{n}@example.com",
            template="brand_message",
            context={"request": request, "message": f"Message number {n}"},
        )
        for n in range(count)
    ]
    session.commit()
    return [row.id for row in rows]


@pytest.fixture
def eml_app(app: Flask) -> Flask:
    """The app with no SMTP configured (whatever the environment says)."""
    app.config["SMTP_URL"] = None
    return app


# --- rendering and the transaction ------------------------------------------------


def test_enqueue_is_part_of_the_callers_transaction(ctx: Flask) -> None:
    request = request_with_items()
    row = enqueue_email(
        to="team@acme.example",
        template="request_submitted",
        context={"request": request, "review_url": REVIEW_URL},
    )
    assert row.id is not None  # flushed, so the caller can refer to it
    session.rollback()
    assert outbox_rows() == []

    enqueue_email(
        to="team@acme.example",
        template="request_submitted",
        context={"request": request, "review_url": REVIEW_URL},
    )
    session.commit()
    with engine().connect() as other:
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    (stored,) = outbox_rows()
    assert stored.request_id == request.id  # taken from the context's request
    assert stored.attempts == 0 and stored.sent_at is None and stored.status == "pending"


def test_request_submitted_tells_the_brand_everything(ctx: Flask) -> None:
    request = request_with_items(message="Line one\nLine two")
    row = enqueue_email(
        to=request.brand.notify_email,
        template="request_submitted",
        context={"request": request, "review_url": REVIEW_URL},
    )
    assert row.to_addr == request.brand.notify_email
    assert row.subject == "New product request from Ana Lima"
    assert row.reply_to is None
    for part in (row.text_body, row.html_body):
        assert "Trail Jacket" in part and "Wool Socks" in part
        assert "One size" in part  # the variant
        assert "129.99 USD" in part and "25.00 USD" in part  # line values (2 x 12.50)
        assert "154.99 USD" in part  # the total
        assert "reel, story" in part and "Instagram" in part
        assert "5 April 2026" in part
        assert "https://portfolio.example/ana" in part
        assert REVIEW_URL in part
        assert "12k followers" in part
    assert "Line one\nLine two" in row.text_body
    assert "Line one<br>\nLine two" in row.html_body
    assert f'<a href="{REVIEW_URL}"' in row.html_body
    assert '<a href="https://portfolio.example/ana"' in row.html_body
    assert row.html_body.lstrip().startswith("<!DOCTYPE html>")


def test_money_follows_the_currency(ctx: Flask) -> None:
    request = request_with_items(currency="JPY")
    row = enqueue_email(
        to="team@acme.example",
        template="request_approved",
        context={"request": request},
    )
    assert "12,999 JPY" in row.text_body and "15,499 JPY" in row.html_body


def test_request_approved_says_what_and_what_next(ctx: Flask) -> None:
    request = request_with_items()
    row = enqueue_email(
        to=request.influencer.email,
        template="request_approved",
        context={"request": request, "reason": None, "review_url": REVIEW_URL},
    )
    brand = request.brand.name
    assert row.subject == f"{brand} approved your product request"
    for part in (row.text_body, row.html_body):
        assert "Hi Ana," in part
        assert "Trail Jacket" in part and "154.99 USD" in part
        assert "send them to the address you gave" in part
        assert f"your reply reaches {brand}" in part
        # No shipping email exists yet, so none is promised.
        assert "another email" not in part and "on its way" not in part


@pytest.mark.parametrize("reason", ["Not a fit for this season", None])
def test_request_denied_is_polite_with_the_reason_when_given(
    ctx: Flask, reason: str | None
) -> None:
    request = request_with_items()
    context: dict[str, Any] = {"request": request}
    if reason is not None:
        context["reason"] = reason
    row = enqueue_email(to=request.influencer.email, template="request_denied", context=context)
    assert row.subject == f"Your product request to {request.brand.name}"
    for part in (row.text_body, row.html_body):
        assert "Thank you for your interest" in part
        assert ("Their reason" in part) is (reason is not None)
        if reason:
            assert reason in part
        assert "welcome to request again" in part


def test_request_expired_names_the_brands_expiry_days(ctx: Flask) -> None:
    request = request_with_items(expiry_days=7)
    row = enqueue_email(
        to=request.influencer.email, template="request_expired", context={"request": request}
    )
    assert row.subject == f"Your product request to {request.brand.name} expired"
    for part in (row.text_body, row.html_body):
        assert "within 7 days" in part
        assert "nothing you need to do" in part and "request these products again" in part


def test_brand_message_keeps_line_breaks_and_replies_go_to_the_brand(ctx: Flask) -> None:
    request = request_with_items()
    message = "Hi Ana,\n\nCould you post on the 6th instead?\n<b>Thanks</b> & cheers"
    row = enqueue_email(
        to=request.influencer.email,
        template="brand_message",
        context={"request": request, "message": message},
    )
    assert row.reply_to == request.brand.notify_email  # defaulted for brand messages
    brand = request.brand.name
    assert row.subject == f"{brand} wrote about your request for Trail Jacket and 1 more"
    assert message in row.text_body
    assert (
        "Hi Ana,<br>\n<br>\nCould you post on the 6th instead?<br>\n"
        "&lt;b&gt;Thanks&lt;/b&gt; &amp; cheers" in row.html_body
    )
    explicit = enqueue_email(
        to=request.influencer.email,
        template="brand_message",
        context={"request": request, "message": "x"},
        reply_to="someone@acme.example",
    )
    assert explicit.reply_to == "someone@acme.example"


def test_hostile_influencer_input_is_inert_in_html(ctx: Flask) -> None:
    request = request_with_items(
        influencer_name=XSS,
        message=f'{XSS}<img src=x onerror="alert(2)">',
        links=["javascript:alert(3)", 'https://ok.example/"><script>alert(4)</script>'],
    )
    rows = [
        enqueue_email(
            to="team@acme.example",
            template=template,
            context={"request": request, "review_url": REVIEW_URL, "reason": XSS, "message": XSS},
        )
        for template in (
            "request_submitted",
            "request_approved",
            "request_denied",
            "request_expired",
            "brand_message",
        )
    ]
    for row in rows:
        html = row.html_body
        assert "<script" not in html and "<img" not in html, row.template
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, row.template
        assert 'href="javascript:' not in html
        # Text parts and subjects are not HTML: they show the name as typed.
        assert "&lt;" not in row.text_body and "&lt;" not in row.subject
    submitted = rows[0]
    assert submitted.subject == f"New product request from {XSS}"
    assert "javascript:alert(3)" in submitted.html_body  # shown, but not a link
    assert '<a href="https://ok.example/&#34;&gt;&lt;script&gt;' in submitted.html_body


def test_subject_never_carries_a_line_break(ctx: Flask) -> None:
    request = request_with_items(influencer_name="Ana\r\nBcc: victim@example.com")
    row = enqueue_email(
        to="team@acme.example",
        template="request_submitted",
        context={"request": request, "review_url": REVIEW_URL},
    )
    assert row.subject == "New product request from Ana Bcc: victim@example.com"
    message = build_message(row, mail_from="Dots <no-reply@dots.test>", host="dots.test")
    assert message.get_all("Bcc") is None
    assert "\r" not in str(message["Subject"]) and "\n" not in str(message["Subject"])


@pytest.mark.parametrize(
    ("to", "reply_to"),
    [("not-an-address", None), ("a@b.example\r\nBcc: c@d.example", None), ("a@b.c", "x\n@y")],
)
def test_header_addresses_are_checked(ctx: Flask, to: str, reply_to: str | None) -> None:
    request = request_with_items()
    with pytest.raises(ValueError, match="not an email address"):
        enqueue_email(
            to=to,
            template="brand_message",
            context={"request": request, "message": "x"},
            reply_to=reply_to,
        )


def test_unknown_template_and_missing_context_fail_loudly(ctx: Flask) -> None:
    request = request_with_items()
    with pytest.raises(ValueError, match="no email template 'request_lost.subject.txt'"):
        enqueue_email(to="a@b.example", template="request_lost", context={"request": request})
    with pytest.raises(Exception, match="review_url"):
        enqueue_email(to="a@b.example", template="request_submitted", context={"request": request})


# --- sending without SMTP: .eml files ---------------------------------------------------


def test_without_smtp_emails_become_eml_files_and_log_lines(
    eml_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with eml_app.app_context():
        request = request_with_items()
        row = enqueue_email(
            to=request.influencer.email,
            template="brand_message",
            context={"request": request, "message": "See you soon"},
        )
        session.commit()
        with caplog.at_level(logging.INFO, logger="widget_server.notifications"):
            report = send_due()
        assert [item.id for item in report.sent] == [row.id] and report.failed == []
        path = Path(eml_app.instance_path) / "outbox" / f"{row.id}-brand_message.eml"
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["To"] == request.influencer.email
        assert message["Reply-To"] == request.brand.notify_email
        assert message["Subject"] == row.subject
        assert message["From"] == eml_app.config["MAIL_FROM"]
        assert message["Message-ID"].endswith("@widget.test>")
        assert "See you soon" in message.get_body(("plain",)).get_content()
        assert "See you soon" in message.get_body(("html",)).get_content()
        lines = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
        assert len(lines) == 1 and request.influencer.email in lines[0]
        (stored,) = outbox_rows()
        assert stored.sent_at is not None and stored.claim_token is None
        assert stored.attempts == 0
        assert send_due().counts == {"sent": 0, "failed": 0, "released": 0}
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def test_batches_take_the_oldest_first(eml_app: Flask) -> None:
    with eml_app.app_context():
        ids = enqueue_many(5)
        assert [item.id for item in send_due(batch=2).sent] == ids[:2]
        assert [item.id for item in send_due(batch=2).sent] == ids[2:4]
        assert [item.id for item in send_due(batch=2).sent] == ids[4:]
        assert send_due(batch=2).claimed == 0
        with pytest.raises(ValueError):
            send_due(batch=0)


def test_a_live_lease_keeps_other_senders_off_until_it_runs_out(
    eml_app: Flask, frozen_clock: datetime
) -> None:
    with eml_app.app_context():
        first, second = enqueue_many(2)
        # A sender claimed the first and died before recording anything.
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == first)
            .values(claimed_until=frozen_clock + LEASE, claim_token="crashed")
        )
        session.commit()
        assert [item.id for item in send_due().sent] == [second]
        with clock.frozen_at(frozen_clock + LEASE - timedelta(seconds=1)):
            assert send_due().claimed == 0
        with clock.frozen_at(frozen_clock + LEASE + timedelta(seconds=1)):
            assert [item.id for item in send_due().sent] == [first]


def test_backoff_doubles_up_to_an_hour() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_run_sender_forever_sends_and_stops_when_asked(eml_app: Flask) -> None:
    with eml_app.app_context():
        enqueue_many(3)
    stop = threading.Event()
    thread = threading.Thread(target=run_sender_forever, args=(eml_app, 0.05, stop))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with eml_app.app_context():
                if all(row.sent_at for row in outbox_rows()):
                    break
            time.sleep(0.02)
        with eml_app.app_context():
            assert all(row.sent_at for row in outbox_rows())
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_run_sender_forever_survives_errors(
    eml_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    eml_app.config["SMTP_URL"] = "ftp://nope"  # every round raises ValueError
    stop = threading.Event()
    thread = threading.Thread(target=run_sender_forever, args=(eml_app, 0.01, stop))
    with caplog.at_level(logging.ERROR, logger="widget_server.notifications"):
        thread.start()
        time.sleep(0.1)
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    failures = [r for r in caplog.records if "Outbox sender failed" in r.getMessage()]
    assert len(failures) >= 2  # it kept going after the first error


# --- the CLI -----------------------------------------------------------------------


def test_cli_send_and_list(eml_app: Flask, frozen_clock: datetime) -> None:
    runner = eml_app.test_cli_runner()
    with eml_app.app_context():
        ids = enqueue_many(2)
    result = runner.invoke(args=["outbox", "list", "--pending"])
    assert result.exit_code == 0, result.output
    assert f"#{ids[1]} pending" in result.output and "Message number" not in result.output
    assert "next try 2026-03-01 12:00:00 UTC" in result.output

    result = runner.invoke(args=["outbox", "send", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert f"sent    #{ids[0]} brand_message to creator+0@example.com" in result.output
    assert "Outbox: sent 1, failed 0, released 0." in result.output

    result = runner.invoke(args=["outbox", "list"])
    assert f"#{ids[0]} sent" in result.output and f"#{ids[1]} pending" in result.output
    result = runner.invoke(args=["outbox", "list", "--pending"])
    assert f"#{ids[0]} " not in result.output

    eml_app.config["SMTP_URL"] = "smtp://host?startls=1"
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "unknown SMTP URL option(s): startls" in result.output


def test_cli_list_when_empty(eml_app: Flask) -> None:
    runner = eml_app.test_cli_runner()
    assert "The outbox is empty." in runner.invoke(args=["outbox", "list"]).output
    assert "No pending emails." in runner.invoke(args=["outbox", "list", "--pending"]).output


def cli_env(app: Flask, **extra: str) -> dict[str, str]:
    """Environment for a ``widget-server`` subprocess on the test app's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOTS_")}
    env.update(
        DOTS_DATABASE_URL=app.config["DATABASE_URL"],
        DOTS_SECRET_KEY="test-secret-key",
        DOTS_INSTANCE_PATH=app.instance_path,
        DOTS_PUBLIC_URL=app.config["PUBLIC_URL"],
        **extra,
    )
    return env


def start_loop(app: Flask, *args: str, **env: str) -> subprocess.Popen[str]:
    """``widget-server outbox send --loop`` in its own process, once it is running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "widget_server", "outbox", "send", "--loop", *args],
        env=cli_env(app, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Sending email through"), first + process.stderr.read()
    return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_loop_sends_and_exits_cleanly_on_signal(eml_app: Flask, sig: signal.Signals) -> None:
    process = start_loop(eml_app, "--interval", "0.05")
    try:
        with eml_app.app_context():
            enqueue_many(2)
            deadline = time.monotonic() + 15
            while not all(row.sent_at for row in outbox_rows()):
                assert time.monotonic() < deadline, "the loop sent nothing"
                time.sleep(0.05)
        process.send_signal(sig)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert out.count("sent    #") == 2
    assert out.rstrip().endswith("Outbox sender stopped.")


def test_sent_rows_keep_their_times_in_utc(eml_app: Flask, frozen_clock: datetime) -> None:
    with eml_app.app_context():
        enqueue_many(1)
        with clock.frozen_at(frozen_clock + timedelta(minutes=5)):
            send_due()
        (row,) = outbox_rows()
        assert row.created_at == frozen_clock
        assert row.sent_at == datetime(2026, 3, 1, 12, 5, tzinfo=UTC)
