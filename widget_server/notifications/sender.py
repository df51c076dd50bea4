"""Delivering the outbox: claim due rows, deliver outside any transaction, record.

Emails go by SMTP; webhooks (``kind == "webhook"``) are POSTed by
:mod:`widget_server.store_sync.webhooks`, with each attempt logged. Both
share everything below: the claims, the retries with backoff, the giving up.

At-least-once, and in practice exactly once:

1. **Claim** a batch in one short transaction: each row gets a lease
   (``claimed_until = now + 60s``) and this run's random ``claim_token``.
   PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE``, so
   concurrent senders take disjoint rows without waiting on each other.
   SQLite: one ``UPDATE … WHERE id IN (SELECT … LIMIT n)`` statement, because
   a transaction that reads first and writes later can fail with SQLITE_BUSY
   under WAL, and the single statement takes the write lock before reading.
2. **Deliver** each row with no transaction open (SMTP may be slow).
3. **Record** each outcome in its own transaction: ``sent_at``, or one more
   attempt with exponential backoff and the error, lease cleared.

Giving up: a permanent refusal (an SMTP ``5xx`` reply to the message, or a
message that cannot even be built) is never retried: the row gets
``failed_at`` and the server's answer in ``last_error``. A temporary failure
(``4xx``, a dropped connection, a server that is down) is retried with backoff
until ``DOTS_OUTBOX_MAX_ATTEMPTS`` attempts or ``DOTS_OUTBOX_MAX_AGE`` since
the email was written, then fails the same way. Failed rows show on the
request's timeline and in ``widget-server outbox list --failed``.

A sender that dies mid-batch leaves leases that simply run out; those rows
are sent again (a receiver drops the copy by its stable ``Message-ID``).
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from widget_server import clock
from widget_server.config import WHOLE_NUMBERS, duration_setting, int_setting
from widget_server.db import engine
from widget_server.notifications.models import WEBHOOK, OutboxMessage, WebhookAttempt
from widget_server.notifications.smtp import (
    SmtpTransport,
    SmtpUnavailable,
    describe_error,
    ehlo_name,
    parse_smtp_url,
)
from widget_server.outbound import private_allowed

logger = logging.getLogger(__name__)

#: How long a claim keeps other senders off a row.
LEASE = timedelta(seconds=60)
#: Real seconds a batch may spend delivering before it hands the rest back.
#: Kept well under LEASE (two SMTP timeouts of margin) so no row is still
#: being delivered when its lease runs out and another sender takes it.
DELIVERY_BUDGET = 40.0
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
#: Longest error text kept on a row.
MAX_ERROR = 2000


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30s, 1m, 2m, … at most 1h."""
    return min(BASE_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass(frozen=True)
class Delivery:
    """One message a run tried to deliver."""

    id: int
    to: str
    template: str
    subject: str
    error: str | None = None
    #: The failure was final: the row is marked failed and will not be tried again.
    gave_up: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """When a temporary failure becomes final (from the app's config)."""

    max_attempts: int
    max_age: timedelta

    @classmethod
    def from_config(cls, config: Any) -> RetryPolicy:
        """``DOTS_OUTBOX_MAX_ATTEMPTS`` and ``DOTS_OUTBOX_MAX_AGE``; ConfigError when malformed."""
        return cls(
            int_setting(config, "OUTBOX_MAX_ATTEMPTS", *WHOLE_NUMBERS["OUTBOX_MAX_ATTEMPTS"]),
            duration_setting(config, "OUTBOX_MAX_AGE"),
        )

    def exhausted(self, row: OutboxMessage, attempts: int, now: datetime) -> bool:
        """Has ``row`` used up its attempts, or waited too long, after ``attempts`` tries?"""
        return attempts >= self.max_attempts or now - row.created_at >= self.max_age


def is_permanent(exc: BaseException) -> bool:
    """Is this a refusal that no retry can change (an SMTP ``5xx`` reply)?

    ``4xx`` replies, dropped connections and unreachable servers are
    temporary. When every recipient is refused, it is permanent only if
    every refusal is a ``5xx``.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= int(code) < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= int(exc.smtp_code) < 600
    return False


@dataclass
class SendReport:
    """What one :func:`send_due` run did."""

    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
    #: Claimed but handed back untried (the batch ran out of time).
    released: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """``{"sent": n, "failed": m, "released": k}``."""
        return {"sent": len(self.sent), "failed": len(self.failed), "released": self.released}

    @property
    def claimed(self) -> int:
        """How many rows this run took from the outbox."""
        return len(self.sent) + len(self.failed) + self.released

    def __str__(self) -> str:
        return ", ".join(f"{key} {value}" for key, value in self.counts.items())


def message_host(public_url: str) -> str:
    """The domain of Message-IDs: the host of ``PUBLIC_URL``."""
    return urlsplit(public_url).hostname or "dots.localhost"


def message_id(row: OutboxMessage, host: str) -> str:
    """A Message-ID that is the same every time this row is sent.

    Receivers drop a second copy with the same Message-ID, which makes the
    rare resend (a sender died after delivering, before recording) harmless.
    The creation time keeps it unique when a database is reset and ids repeat.
    """
    return f"<outbox.{row.id}.{row.created_at:%Y%m%d%H%M%S%f}@{host}>"


def sender(row: OutboxMessage, mail_from: str) -> str | Address:
    """The From of a row: ``DOTS_MAIL_FROM``, or its address under the row's ``from_name``.

    The header registry quotes and encodes the name (commas, quotes,
    non-ASCII), so a brand called ``Café "Noir", Ltd`` arrives as written.
    """
    if not row.from_name:
        return mail_from
    _name, address = parseaddr(mail_from)
    return Address(display_name=row.from_name, addr_spec=address or mail_from)


def build_message(row: OutboxMessage, *, mail_from: str, host: str) -> EmailMessage:
    """The MIME message of an outbox row: text with an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender(row, mail_from)
    message["To"] = row.to_addr
    if row.reply_to:
        message["Reply-To"] = row.reply_to
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row, host)
    if row.template.startswith("request_"):
        # Notifications of a state change are machine-made (RFC 3834): this
        # stops auto-replies and vacation notices from answering them.
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


class Transport(Protocol):
    """Something that delivers built messages (SMTP, or files for the demo)."""

    def deliver(self, row: OutboxMessage, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class _Smtp:
    def __init__(self, url: str, host: str) -> None:
        self.smtp = SmtpTransport(parse_smtp_url(url), local_hostname=ehlo_name(host))

    def deliver(self, row: OutboxMessage, message: EmailMessage) -> None:
        self.smtp.send(message)

    def close(self) -> None:
        self.smtp.close()


class EmlFiles:
    """Without SMTP: write ``<instance>/outbox/<id>-<template>.eml`` and log a line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, row: OutboxMessage, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{row.id}-{row.template}.eml"
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        partial.write_bytes(message.as_bytes())
        # Atomic: a reader never sees half a file, and a resend replaces it.
        os.replace(partial, path)
        logger.info("Email %s to %s: %s -> %s", row.id, row.to_addr, row.subject, path)

    def close(self) -> None:
        pass


def _transport() -> Transport:
    url = current_app.config.get("SMTP_URL")
    if url:
        return _Smtp(url, message_host(current_app.config["PUBLIC_URL"]))
    return EmlFiles(Path(current_app.instance_path) / "outbox")


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _claim(db: Session, batch: int, token: str) -> list[OutboxMessage]:
    """Lease up to ``batch`` due rows to ``token`` and commit; return them."""
    now = clock.now()
    lease = {"claimed_until": now + LEASE, "claim_token": token}
    with db.begin():
        if db.get_bind().dialect.name == "postgresql":
            ids = db.scalars(
                select(OutboxMessage.id)
                .where(_due(now))
                .order_by(OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            ).all()
            if ids:
                db.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**lease),
                    execution_options={"synchronize_session": False},
                )
        else:
            due_ids = (
                select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(batch)
            )
            db.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(due_ids)).values(**lease),
                execution_options={"synchronize_session": False},
            )
    with db.begin():
        # "sent_at IS NULL" lets the due index find the few unsent rows.
        return list(
            db.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.claim_token == token,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                )
                .order_by(OutboxMessage.id)
            )
        )


def _mark_sent(db: Session, row: OutboxMessage) -> None:
    with db.begin():
        # Not conditional on the token: it was delivered, so no one may send
        # it again, even if our lease ran out and someone else holds it now.
        db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=clock.now(), claimed_until=None, claim_token=None),
            execution_options={"synchronize_session": False},
        )


def _mark_failed(
    db: Session,
    rows: Sequence[OutboxMessage],
    token: str,
    error: str,
    *,
    policy: RetryPolicy,
    permanent: bool = False,
) -> list[Delivery]:
    """Record one failed attempt of each row: back off, or give up for good.

    Returns a :class:`Delivery` per row, saying whether it was given up on.
    """
    now = clock.now()
    outcomes: list[Delivery] = []
    with db.begin():
        for row in rows:
            attempts = row.attempts + 1
            gave_up = permanent or policy.exhausted(row, attempts, now)
            text = error
            if gave_up and not permanent:
                text = f"gave up after {attempts} attempt(s): {error}"
            db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claim_token == token)
                .values(
                    attempts=attempts,
                    next_attempt_at=now if gave_up else now + backoff(attempts),
                    failed_at=now if gave_up else None,
                    last_error=text[:MAX_ERROR],
                    claimed_until=None,
                    claim_token=None,
                ),
                execution_options={"synchronize_session": False},
            )
            outcomes.append(_delivery(row, text, gave_up=gave_up))
            if gave_up:
                logger.warning(
                    "Outbox: gave up on email %s (%s) to %s: %s",
                    row.id,
                    row.template,
                    row.to_addr,
                    text,
                )
    return outcomes


def _release(db: Session, rows: Sequence[OutboxMessage], token: str) -> None:
    with db.begin():
        db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .where(OutboxMessage.claim_token == token)
            .values(claimed_until=None, claim_token=None),
            execution_options={"synchronize_session": False},
        )


def _delivery(row: OutboxMessage, error: str | None = None, *, gave_up: bool = False) -> Delivery:
    return Delivery(row.id, row.to_addr, row.template, row.subject, error, gave_up)


def _send_webhook(
    db: Session, row: OutboxMessage, token: str, policy: RetryPolicy, allow_private: bool
) -> Delivery | list[Delivery]:
    """POST one webhook row; log the attempt; mark it sent, or failed like an email.

    The brand's secret is read now, so a rotated secret signs what is still
    waiting. A brand that removed its webhook gets nothing more.
    """
    from widget_server.brands.models import Brand
    from widget_server.store_sync.webhooks import WebhookFailed, deliver

    with db.begin():
        brand = db.get(Brand, row.brand_id) if row.brand_id is not None else None
        secret = brand.webhook_secret if brand is not None and brand.webhook_url else None
    if secret is None:
        error = "the brand has no webhook any more"
        return _mark_failed(db, [row], token, error, policy=policy, permanent=True)
    try:
        attempt = deliver(row.to_addr, secret, row.subject, row.text_body.encode(), allow_private)
    except WebhookFailed as exc:
        if exc.delivery_id is not None:
            _log_attempt(db, row, exc.delivery_id, exc.status, str(exc))
        return _mark_failed(db, [row], token, str(exc), policy=policy, permanent=exc.permanent)
    _log_attempt(db, row, attempt.delivery_id, attempt.status, None)
    _mark_sent(db, row)
    return _delivery(row)


def _log_attempt(
    db: Session, row: OutboxMessage, delivery_id: str, status: int | None, error: str | None
) -> None:
    """Keep one line of the brand's delivery log."""
    with db.begin():
        db.add(
            WebhookAttempt(
                message_id=row.id,
                attempt=row.attempts + 1,
                delivery_id=delivery_id,
                status_code=status,
                error=error[:MAX_ERROR] if error else None,
                created_at=clock.now(),
            )
        )


def send_due(batch: int = 50) -> SendReport:
    """Deliver up to ``batch`` due outbox messages; needs an app context.

    Uses its own database session, so it never commits the caller's work;
    call it outside a unit of work that has written (on SQLite that one
    would hold the write lock this needs). Raises ValueError when
    ``SMTP_URL`` is malformed, before claiming anything.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    policy = RetryPolicy.from_config(current_app.config)
    transport = _transport()
    mail_from = current_app.config["MAIL_FROM"]
    host = message_host(current_app.config["PUBLIC_URL"])
    token = secrets.token_hex(16)
    report = SendReport()
    allow_private = private_allowed()
    with Session(engine(), expire_on_commit=False) as db, closing(transport):
        # Webhooks first: a mail server that is down ends the batch's emails only.
        rows = sorted(_claim(db, batch, token), key=lambda r: (r.kind != WEBHOOK, r.id))
        started = time.monotonic()
        for index, row in enumerate(rows):
            if time.monotonic() - started > DELIVERY_BUDGET:
                rest = rows[index:]
                _release(db, rest, token)
                report.released = len(rest)
                break
            if row.kind == WEBHOOK:
                outcome = _send_webhook(db, row, token, policy, allow_private)
                if isinstance(outcome, list):
                    report.failed += outcome
                else:
                    report.sent.append(outcome)
                continue
            try:
                message = build_message(row, mail_from=mail_from, host=host)
            except Exception as exc:  # the same row fails the same way every time
                error = f"cannot build the message: {describe_error(exc)}"
                report.failed += _mark_failed(
                    db, [row], token, error, policy=policy, permanent=True
                )
                continue
            try:
                transport.deliver(row, message)
            except SmtpUnavailable as exc:
                # The server is down or will not let us in: every row left
                # would fail the same way, so count one attempt for each and
                # stop. Not the message's fault, so never permanent by itself.
                rest = rows[index:]
                error = str(exc)
                report.failed += _mark_failed(db, rest, token, error, policy=policy)
                logger.warning("Outbox: %s; %d email(s) wait for a retry", error, len(rest))
                break
            except Exception as exc:
                error = describe_error(exc)
                permanent = is_permanent(exc)
                report.failed += _mark_failed(
                    db, [row], token, error, policy=policy, permanent=permanent
                )
                if not permanent:
                    logger.warning("Outbox: email %s to %s failed: %s", row.id, row.to_addr, error)
            else:
                _mark_sent(db, row)
                report.sent.append(_delivery(row))
    return report


def run_sender_forever(
    app: Flask,
    interval: float,
    stop: threading.Event,
    *,
    batch: int = 50,
    on_report: Callable[[SendReport], None] | None = None,
) -> None:
    """Send due emails every ``interval`` seconds until ``stop`` is set.

    For a background thread (``widget-server serve``) or ``outbox send --loop``
    (``on_report`` sees each round's report). Errors (database or SMTP down,
    bad settings) are logged and retried next round: the loop only ends when
    asked to. A full batch is followed at once by the next, so a backlog
    drains without waiting ``interval`` each time.
    """
    while not stop.is_set():
        full = False
        try:
            with app.app_context():
                report = send_due(batch)
            full = report.claimed >= batch
            if on_report is not None:
                on_report(report)
        except Exception:
            logger.exception("Outbox sender failed; trying again in %ss", interval)
        if not full:
            stop.wait(interval)
