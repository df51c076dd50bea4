"""OutboxMessage: one rendered email waiting for (or done with) delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from widget_server import clock
from widget_server.db import Base

#: The kinds of outbox message: an email, or a webhook POSTed to a brand's store.
EMAIL = "email"
WEBHOOK = "webhook"


class OutboxMessage(Base):
    """An email or a webhook, built when its event happened, delivered at least once.

    A webhook row (``kind == "webhook"``) keeps the URL in ``to_addr``, the
    event type in ``template`` and ``subject``, and the JSON body in
    ``text_body``; the brand's secret signs it when it is sent, and each
    attempt leaves a :class:`WebhookAttempt`. Both kinds share the claiming,
    the retries and the giving up.

    A row is *due* while ``sent_at`` and ``failed_at`` are NULL,
    ``next_attempt_at`` has passed and no sender holds a live lease on it
    (``claimed_until`` NULL or past). A sender leases rows with a random
    ``claim_token`` before delivering them, so concurrent senders never pick
    the same row. ``failed_at`` marks an email given up on (the server refused
    it for good, or it kept failing too long); ``last_error`` then holds the
    server's answer. Sent and failed rows are kept as a log.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The due query filters on "sent_at IS NULL AND failed_at IS NULL AND
        # next_attempt_at <= now": waiting rows are few, so this stays fast
        # however many were sent or given up on.
        Index("ix_outbox_message_due", "sent_at", "failed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=EMAIL, server_default=EMAIL)
    #: An email address, or a webhook's URL.
    to_addr: Mapped[str] = mapped_column(String(2000))
    #: The brand whose webhook this is (its secret signs it); None for emails.
    brand_id: Mapped[int | None] = mapped_column(
        ForeignKey("brand.id", ondelete="CASCADE"), index=True
    )
    reply_to: Mapped[str | None] = mapped_column(String(320))
    #: Display name of the From header ("Northwind Supply via Dots"); the
    #: address is always DOTS_MAIL_FROM's. None: DOTS_MAIL_FROM as it is.
    from_name: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(
        # The email outlives its request: deleting a request keeps the log.
        ForeignKey("product_request.id", ondelete="SET NULL"),
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def status(self) -> str:
        """``sent``, ``failed`` (given up), ``retrying`` (failed at least once) or ``pending``."""
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "pending"

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} to {self.to_addr} {self.status}>"


class WebhookAttempt(Base):
    """One try at delivering a webhook: the brand's delivery log.

    ``status_code`` is None when no answer came (refused connection, timeout,
    an address that is not allowed); ``error`` then says why.
    """

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    delivery_id: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
