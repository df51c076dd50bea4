"""Email over a real SMTP server on loopback (aiosmtpd): content, outages, concurrency, TLS.

Every test here talks SMTP to :class:`tests.smtp_server.SmtpServer`, a real
server in a thread; nothing is mocked.
"""

from __future__ import annotations

import signal
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from tests.backends import missing_openssl
from tests.smtp_server import MAIL_FROM, SmtpServer, make_certificates, server_context
from tests.test_outbox import REVIEW_URL, enqueue_many, outbox_rows, request_with_items, start_loop
from widget_server import clock, create_app
from widget_server.db import engine, session
from widget_server.notifications import sender
from widget_server.notifications.models import OutboxMessage
from widget_server.notifications.outbox import enqueue_email
from widget_server.notifications.sender import backoff, send_due
from widget_server.notifications.smtp import (
    PLAIN,
    STARTTLS,
    TLS,
    SmtpSettings,
    parse_smtp_url,
)

# The plain-text AUTH server below is deliberate (it tests smtp:// with a login).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    made = make_certificates(tmp_path_factory.mktemp("certs"))
    if made is None:
        missing_openssl()  # fails where CI requires TLS (DOTS_TEST_REQUIRE_TLS=1)
    return made


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    """Poll ``condition()`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- content -------------------------------------------------------------------------


def test_every_template_arrives_with_the_right_envelope_headers_and_parts(
    smtp_app: Flask, smtp: SmtpServer
) -> None:
    with smtp_app.app_context():
        request = request_with_items(message="Proposal line one\nline two")
        brand, influencer = request.brand, request.influencer
        context = {"request": request, "review_url": REVIEW_URL}
        sends = [
            (brand.notify_email, "request_submitted", context, None),
            (influencer.email, "request_approved", context, brand.notify_email),
            (influencer.email, "request_denied", {**context, "reason": "Sold out"}, None),
            (influencer.email, "request_expired", context, None),
            (influencer.email, "brand_message", {**context, "message": "Hello\nthere"}, None),
            (
                brand.notify_email,
                "influencer_message",
                {**context, "message": "Size M\nplease", "thread_url": f"{REVIEW_URL}#messages"},
                influencer.email,
            ),
        ]
        rows = [
            enqueue_email(to=to, template=name, context=ctx, reply_to=reply_to)
            for to, name, ctx, reply_to in sends
        ]
        session.commit()
        report = send_due()
        assert report.counts == {"sent": 6, "failed": 0, "released": 0}

    received = {item.message["Subject"]: item for item in smtp.messages}
    assert len(received) == 6
    expected_parts = {
        "request_submitted": ["Trail Jacket", "154.99 USD", REVIEW_URL, "Proposal line one"],
        "request_approved": ["Trail Jacket", "send them to the address you gave"],
        "request_denied": ["Sold out", "welcome to request again"],
        "request_expired": ["within 9 days", "nothing you need to do"],
        "brand_message": ["Hello"],
        "influencer_message": ["Size M", f"{REVIEW_URL}#messages"],
    }
    for row, (to, name, _ctx, reply_to) in zip(rows, sends, strict=True):
        got = received[row.subject]
        assert got.rcpt_tos == (to,), name
        assert got.mail_from == "no-reply@dots.test"
        message = got.message
        assert message["To"] == to
        assert message["From"] == MAIL_FROM
        if name == "brand_message":
            assert message["Reply-To"] == brand.notify_email
        else:
            assert message["Reply-To"] == reply_to
        stamp = f"{row.created_at:%Y%m%d%H%M%S%f}"
        assert message["Message-ID"] == f"<outbox.{row.id}.{stamp}@widget.test>"
        assert message["Date"] is not None
        assert message.get_content_type() == "multipart/alternative"
        # Messages are written by people: auto-replies may answer them.
        written = name in ("brand_message", "influencer_message")
        assert (message["Auto-Submitted"] == "auto-generated") is not written
        text, html = got.part("plain"), got.part("html")
        for snippet in expected_parts[name]:
            assert snippet in text and snippet in html, (name, snippet)
        assert "<table" in html and "<table" not in text
    assert "Hello<br>\nthere" in received[rows[4].subject].part("html")
    assert "Size M<br>\nplease" in received[rows[5].subject].part("html")
    assert "Proposal line one<br>\nline two" in received[rows[0].subject].part("html")


def test_hostile_input_arrives_escaped_in_html(smtp_app: Flask, smtp: SmtpServer) -> None:
    xss = "<script>alert(1)</script>"
    with smtp_app.app_context():
        request = request_with_items(influencer_name=xss, message=xss)
        enqueue_email(
            to=request.brand.notify_email,
            template="request_submitted",
            context={"request": request, "review_url": REVIEW_URL},
        )
        session.commit()
        send_due()
    (got,) = smtp.messages
    assert got.message["Subject"] == f"New product request from {xss}"
    html = got.part("html")
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # name and message


def test_a_hostile_message_arrives_escaped_in_html_and_as_typed_in_text(
    smtp_app: Flask, smtp: SmtpServer
) -> None:
    xss = "<img src=x onerror=alert(1)>\n& more"
    with smtp_app.app_context():
        request = request_with_items(influencer_name="Ana")
        thread = f"{REVIEW_URL}#messages"
        enqueue_email(
            to=request.brand.notify_email,
            template="influencer_message",
            context={"request": request, "message": xss, "thread_url": thread},
        )
        session.commit()
        send_due()
    (got,) = smtp.messages
    assert "<img" not in got.part("html")
    assert "&lt;img src=x onerror=alert(1)&gt;<br>\n&amp; more" in got.part("html")
    assert xss in got.part("plain")


# --- failures --------------------------------------------------------------------


def test_outage_then_recovery_loses_nothing_and_sends_nothing_twice(
    smtp_app: Flask, smtp: SmtpServer, frozen_clock: datetime
) -> None:
    smtp.stop()
    with smtp_app.app_context():
        ids = enqueue_many(3)
        report = send_due()
        assert report.counts == {"sent": 0, "failed": 3, "released": 0}
        for row in outbox_rows():
            assert row.sent_at is None and row.attempts == 1
            assert row.claim_token is None and row.claimed_until is None
            assert "Connection refused" in (row.last_error or "")
            assert f"127.0.0.1:{smtp.port}" in (row.last_error or "")
            assert row.next_attempt_at == frozen_clock + backoff(1)
        assert send_due().claimed == 0  # backing off, not hammering the server

        # Still down at the first retry: the wait doubles.
        first_retry = frozen_clock + backoff(1)
        with clock.frozen_at(first_retry):
            assert send_due().counts["failed"] == 3
        assert {row.attempts for row in outbox_rows()} == {2}
        assert {row.next_attempt_at for row in outbox_rows()} == {first_retry + backoff(2)}

        smtp.start()
        with clock.frozen_at(first_retry + backoff(2) - timedelta(seconds=1)):
            assert send_due().claimed == 0  # not due yet, even though the server is back
        with clock.frozen_at(first_retry + backoff(2)):
            report = send_due()
            assert sorted(item.id for item in report.sent) == ids
            assert send_due().claimed == 0
        with clock.frozen_at(first_retry + timedelta(days=1)):
            assert send_due().claimed == 0
        rows = outbox_rows()
        assert all(row.sent_at is not None for row in rows)
        assert {row.attempts for row in rows} == {2}  # the failed attempts stay on record
    assert sorted(item.rcpt_tos[0] for item in smtp.messages) == [
        f"creator+{n}@example.com" for n in range(3)
    ]


def test_a_refused_message_waits_while_the_others_go(
    smtp_app: Flask, smtp: SmtpServer, frozen_clock: datetime
) -> None:
    smtp.reject = lambda envelope: (
        "451 4.3.0 Mailbox busy, try later" if "creator+1@" in envelope.rcpt_tos[0] else None
    )
    with smtp_app.app_context():
        ids = enqueue_many(3)
        report = send_due()
        assert [item.id for item in report.sent] == [ids[0], ids[2]]
        assert [item.id for item in report.failed] == [ids[1]]
        assert report.failed[0].error == "451 4.3.0 Mailbox busy, try later"
        smtp.reject = None
        with clock.frozen_at(frozen_clock + backoff(1)):
            assert [item.id for item in send_due().sent] == [ids[1]]
    assert Counter(item.rcpt_tos[0] for item in smtp.messages) == {
        f"creator+{n}@example.com": 1 for n in range(3)
    }


def test_a_batch_out_of_time_hands_the_rest_back_untried(
    smtp_app: Flask, smtp: SmtpServer, frozen_clock: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow server: once a batch has spent its delivery budget, the rows it has not
    tried go back at once (no lease, no claim, no attempt counted, no error, due as
    before), so the next run sends them without waiting for a lease to run out."""
    monkeypatch.setattr(sender, "DELIVERY_BUDGET", 0.5)
    smtp.reject = lambda envelope: time.sleep(1.0)  # a second per message, then accepted
    with smtp_app.app_context():
        ids = enqueue_many(4)
        due = {row.id: row.next_attempt_at for row in outbox_rows()}
        report = send_due()
        assert report.counts == {"sent": 1, "failed": 0, "released": 3}
        assert [item.id for item in report.sent] == ids[:1]
        for row in outbox_rows()[1:]:
            assert (row.sent_at, row.claimed_until, row.claim_token) == (None, None, None)
            assert (row.attempts, row.last_error) == (0, None)
            assert row.next_attempt_at == due[row.id]
        smtp.reject = None
        # The same instant (the clock is frozen): nothing to wait for.
        assert [item.id for item in send_due().sent] == ids[1:]
    assert len(smtp.messages) == 4


def test_a_resend_after_a_crash_carries_the_same_message_id(
    smtp_app: Flask, smtp: SmtpServer, frozen_clock: datetime
) -> None:
    with smtp_app.app_context():
        (row_id,) = enqueue_many(1)
        send_due()
        # The sender delivered, then died before recording it; the lease ran out.
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(sent_at=None)
        )
        session.commit()
        send_due()
    first, second = smtp.message_ids()
    assert first == second  # so the receiver can drop the copy


# --- concurrent senders ---------------------------------------------------------------


def sender_app(app: Flask, smtp: SmtpServer) -> Flask:
    """A separate app (own engine and pool) on the same database and SMTP server."""
    return create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            "INSTANCE_PATH": app.instance_path,
            "PUBLIC_URL": app.config["PUBLIC_URL"],
            "SMTP_URL": smtp.url,
            "MAIL_FROM": MAIL_FROM,
        }
    )


def test_concurrent_sender_threads_send_each_message_exactly_once(
    smtp_app: Flask, smtp: SmtpServer
) -> None:
    count, threads = 120, 6
    with smtp_app.app_context():
        enqueue_many(count)
    apps = [sender_app(smtp_app, smtp) for _ in range(threads)]
    start = threading.Barrier(threads)
    reports: list[list[int]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with apps[index].app_context():
                start.wait()
                while True:
                    report = send_due(batch=4)
                    reports[index].extend(item.id for item in report.sent)
                    assert not report.failed, report.failed
                    if report.claimed == 0:
                        return
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    for app in apps:
        with app.app_context():
            engine().dispose()
    assert not errors, errors
    sent = [row_id for ids in reports for row_id in ids]
    assert len(sent) == count and len(set(sent)) == count
    assert sum(1 for ids in reports if ids) > 1, "only one sender did any work"
    ids = smtp.message_ids()
    assert len(ids) == count and len(set(ids)) == count
    with smtp_app.app_context():
        assert all(row.sent_at is not None for row in outbox_rows())


def test_concurrent_sender_processes_send_each_message_exactly_once(
    smtp_app: Flask, smtp: SmtpServer
) -> None:
    count = 60
    with smtp_app.app_context():
        enqueue_many(count)
    processes = [
        start_loop(smtp_app, "--interval", "0.05", "--batch", "3", DOTS_SMTP_URL=smtp.url)
        for _ in range(3)
    ]
    try:
        wait_until(lambda: len(smtp.messages) >= count)
        time.sleep(0.2)  # room for a wrong second copy to show up
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=10) for process in processes]
    finally:
        for process in processes:
            process.kill()
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    per_process = [out.count("sent    #") for out, _err in outputs]
    assert sum(per_process) == count
    ids = smtp.message_ids()
    assert len(ids) == count and len(set(ids)) == count


# --- DOTS_SMTP_URL ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", SmtpSettings("mail.example", 25, PLAIN)),
        ("smtp://mail.example:2525", SmtpSettings("mail.example", 2525, PLAIN)),
        (
            "smtp://user:pass@mail.example:587?starttls=1",
            SmtpSettings("mail.example", 587, STARTTLS, "user", "pass"),
        ),
        ("smtp://mail.example?starttls=true", SmtpSettings("mail.example", 587, STARTTLS)),
        ("smtp://mail.example:25?starttls=0", SmtpSettings("mail.example", 25, PLAIN)),
        (
            "smtps://apikey:s3cr%40t%3Ax%2F@smtp.example",
            SmtpSettings("smtp.example", 465, TLS, "apikey", "s3cr@t:x/"),
        ),
        (
            "smtps://me%40example.com:pw@smtp.example:2465?timeout=3.5",
            SmtpSettings("smtp.example", 2465, TLS, "me@example.com", "pw", 3.5),
        ),
        ("SMTP://[::1]:1025", SmtpSettings("::1", 1025, PLAIN)),
    ],
)
def test_smtp_url_parsing(url: str, expected: SmtpSettings) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://mail.example", "must start with smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://mail.example?startls=1", "unknown SMTP URL option(s): startls"),
        ("smtp://mail.example?starttls=maybe", "starttls must be 1 or 0"),
        ("smtps://mail.example?starttls=1", "smtps:// is TLS already"),
        ("smtp://mail.example:port", "bad port or timeout"),
        ("smtp://mail.example?timeout=0", "timeout must be positive"),
    ],
)
def test_bad_smtp_urls_are_refused_with_a_reason(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse_smtp_url(url)


def test_the_password_is_not_shown() -> None:
    settings = parse_smtp_url("smtp://user:hunter2@mail.example:587?starttls=1")
    assert "hunter2" not in repr(settings)
    assert settings.describe() == "smtp://user@mail.example:587?starttls=1"


def test_a_bad_smtp_url_claims_nothing(smtp_app: Flask) -> None:
    smtp_app.config["SMTP_URL"] = "smtp://mail.example?startls=1"
    with smtp_app.app_context():
        enqueue_many(1)
        with pytest.raises(ValueError, match="startls"):
            send_due()
        (row,) = outbox_rows()
        assert row.claim_token is None and row.attempts == 0


# --- TLS and AUTH, for real ---------------------------------------------------------------


@pytest.fixture
def trust_test_ca(certs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``ssl.create_default_context()`` trust the test CA (and only it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certs[0]))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def serve(server: SmtpServer) -> Iterator[SmtpServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


USERS = {"dots@example.com": "p@ss:w/rd%"}
QUOTED = "dots%40example.com:p%40ss%3Aw%2Frd%25"


@pytest.fixture
def starttls_server(certs: tuple[Path, Path, Path]) -> Iterator[SmtpServer]:
    yield from serve(SmtpServer(starttls=server_context(*certs[1:]), users=USERS))


@pytest.fixture
def smtps_server(certs: tuple[Path, Path, Path]) -> Iterator[SmtpServer]:
    # aiosmtpd only counts STARTTLS as TLS for AUTH; this connection is TLS from the start.
    server = SmtpServer(
        implicit_tls=server_context(*certs[1:]), users=USERS, auth_require_tls=False
    )
    yield from serve(server)


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    yield from serve(SmtpServer(users=USERS, auth_require_tls=False))


def send_one(app: Flask, url: str) -> OutboxMessage:
    """Send one email through ``url``; return its row afterwards."""
    app.config["SMTP_URL"] = url
    with app.app_context():
        enqueue_many(1)
        send_due()
        (row,) = outbox_rows()
        return row


@pytest.mark.usefixtures("trust_test_ca")
def test_starttls_with_login(app: Flask, starttls_server: SmtpServer) -> None:
    row = send_one(app, f"smtp://{QUOTED}@127.0.0.1:{starttls_server.port}?starttls=1")
    assert row.sent_at is not None, row.last_error
    (got,) = starttls_server.messages
    assert got.tls and got.login == "dots@example.com"


@pytest.mark.usefixtures("trust_test_ca")
def test_smtps_with_login(app: Flask, smtps_server: SmtpServer) -> None:
    row = send_one(app, f"smtps://{QUOTED}@127.0.0.1:{smtps_server.port}")
    assert row.sent_at is not None, row.last_error
    (got,) = smtps_server.messages
    assert got.tls and got.login == "dots@example.com"


def test_plain_smtp_with_login(app: Flask, auth_server: SmtpServer) -> None:
    row = send_one(app, f"smtp://{QUOTED}@127.0.0.1:{auth_server.port}")
    assert row.sent_at is not None, row.last_error
    (got,) = auth_server.messages
    assert not got.tls and got.login == "dots@example.com"


def test_a_wrong_password_keeps_the_email_waiting(app: Flask, auth_server: SmtpServer) -> None:
    row = send_one(app, f"smtp://dots%40example.com:wrong@127.0.0.1:{auth_server.port}")
    assert row.sent_at is None and row.attempts == 1
    assert "535" in (row.last_error or "")
    assert "wrong" not in (row.last_error or "")  # no password in the log
    assert auth_server.messages == []


def test_starttls_is_never_skipped_when_the_server_lacks_it(
    app: Flask, auth_server: SmtpServer
) -> None:
    row = send_one(app, f"smtp://{QUOTED}@127.0.0.1:{auth_server.port}?starttls=1")
    assert row.sent_at is None and row.attempts == 1
    assert "STARTTLS" in (row.last_error or "")
    assert auth_server.messages == []


def test_an_untrusted_certificate_is_refused(
    app: Flask, smtps_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An empty trust store stands in for "the system does not know this CA".
    empty = tmp_path / "none.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    row = send_one(app, f"smtps://{QUOTED}@127.0.0.1:{smtps_server.port}")
    assert row.sent_at is None
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
    assert smtps_server.messages == []


def test_test_ca_is_what_makes_tls_work(certs: tuple[Path, Path, Path]) -> None:
    """Guards the TLS tests themselves: the server certificate needs the test CA."""
    context = ssl.create_default_context(cafile=str(certs[0]))
    server = SmtpServer(implicit_tls=server_context(*certs[1:])).start()
    try:
        with (
            socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.recv(100).startswith(b"220")
    finally:
        server.stop()


# --- who an email is from, who a reply reaches, and the links back --------------------------


@pytest.mark.parametrize(
    "brand_name", ["Northwind Supply", 'Café "Noir", Ltd', "ステッカー屋 (Tokyo)"]
)
def test_emails_to_the_influencer_come_in_the_brands_name_and_link_back(
    smtp_app: Flask, smtp: SmtpServer, brand_name: str
) -> None:
    from markupsafe import escape

    from tests.factories import make_brand, make_influencer, make_link, make_product, make_request
    from widget_server.influencers.services import link_url
    from widget_server.product_requests import emails, states

    with smtp_app.app_context():
        brand = make_brand("northwind", name=brand_name)
        link, _token = make_link(brand, make_influencer("ana@example.com", name="Ana Lima"))
        products = [make_product(brand, prices=(1000,)) for _ in range(4)]
        made = [make_request(link, [product.variants[0]]) for product in products]
        states.transition(made[0].id, states.APPROVED, actor="team@northwind.example")
        states.transition(made[1].id, states.DENIED, actor="team@northwind.example", note="No")
        emails.brand_message(made[2], "Could you post on the 6th?", sender="team@example.com")
        states.transition(made[3].id, states.WITHDRAWN, actor="ana@example.com")
        session.commit()
        with clock.frozen_at(clock.now() + timedelta(days=30)):
            from widget_server.product_requests.expiry import sweep

            made.append(make_request(link, [products[3].variants[0]]))
        session.commit()
        with clock.frozen_at(clock.now() + timedelta(days=40)):
            assert sweep() == 1
            assert send_due().counts == {"sent": 11, "failed": 0, "released": 0}
        store_url = link_url(link)

    to_influencer = [item for item in smtp.messages if item.rcpt_tos == ("ana@example.com",)]
    to_brand = [item for item in smtp.messages if item.rcpt_tos == ("team@northwind.example",)]
    # Approved, denied, the brand's message, two expired (the one with the message
    # expired when the fifth request was made); five new requests and a withdrawal.
    assert len(to_influencer) == 5 and len(to_brand) == 6
    requests_url = f"{store_url}&dotsview=mine"
    assert "#dots=" in store_url and requests_url.endswith("&dotsview=mine")
    for item in to_influencer:
        sender = item.message["From"].addresses[0]
        assert sender.display_name == f"{brand_name} via Dots"
        assert sender.addr_spec == "no-reply@dots.test"
        assert item.mail_from == "no-reply@dots.test"
        assert item.message["Reply-To"] == "team@northwind.example"
        text, html = item.part("plain"), item.part("html")
        assert "Hi Ana," in text and "Hi Ana," in html and "Ana Lima" not in text
        assert requests_url in text and store_url in text
        assert f'href="{escape(requests_url)}"' in html and f'href="{escape(store_url)}"' in html
    for item in to_brand:
        assert item.message["From"] == MAIL_FROM
        assert item.message["Reply-To"] == "ana@example.com"
        assert "#dots=" not in item.part("plain") + item.part("html")  # the token stays hers
    # The header is encoded on the wire, not written raw.
    assert all(ord(ch) < 128 for item in to_influencer for ch in item.message.as_string())
