"""A brand's webhook: its URL and secret, and the log of deliveries it can read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.notifications.models import WEBHOOK, OutboxMessage, WebhookAttempt
from widget_server.store_sync.webhooks import check_scheme, new_secret


def set_webhook(brand: Brand, url: str | None, rotate_secret: bool = False) -> None:
    """Point ``brand``'s events at ``url`` (None removes it); a secret is made when needed.

    ValueError for a URL that is not http(s); whether it resolves to a
    public address is checked at every delivery (DNS may change).
    """
    if url is None:
        brand.webhook_url = None
        brand.webhook_secret = None
        session.flush()
        return
    if len(url) > 2000:
        raise ValueError("the webhook URL is longer than 2,000 characters")
    check_scheme(url)
    brand.webhook_url = url
    if rotate_secret or not brand.webhook_secret:
        brand.webhook_secret = new_secret()
    session.flush()


def delivery_log(brand: Brand, limit: int = 50) -> list[str]:
    """The brand's latest webhook attempts, newest first, one line each."""
    rows = session.execute(
        select(OutboxMessage, WebhookAttempt)
        .join(WebhookAttempt, WebhookAttempt.message_id == OutboxMessage.id)
        .where(OutboxMessage.kind == WEBHOOK, OutboxMessage.brand_id == brand.id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    ).all()
    return [
        f"{attempt.created_at:%Y-%m-%d %H:%M:%S}  {message.subject:<28} "
        f"request {message.request_id}  attempt {attempt.attempt}  "
        f"{attempt.status_code or '-'}  {attempt.error or 'delivered'}  "
        f"[{message.status}]"
        for message, attempt in rows
    ]


@dataclass
class Delivery:
    """One webhook (one event to the brand's URL) and how its delivery went so far."""

    message: OutboxMessage
    #: The latest attempt (its answer and error), None before the first.
    last: WebhookAttempt | None

    @property
    def state(self) -> str:
        """``delivered``, ``failed`` (given up), ``retrying`` or ``waiting`` (not tried yet)."""
        return {"sent": "delivered", "pending": "waiting"}.get(
            self.message.status, self.message.status
        )

    @property
    def next_attempt_at(self) -> datetime | None:
        """When the outbox tries again, while it still does."""
        return self.message.next_attempt_at if self.state in ("retrying", "waiting") else None


def deliveries(brand_id: int, limit: int = 50) -> list[Delivery]:
    """The brand's latest ``limit`` webhooks, newest first, each with its latest attempt.

    Two queries whatever the count: the messages, then their last attempts
    (the highest attempt id per message).
    """
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == WEBHOOK, OutboxMessage.brand_id == brand_id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
    latest = (
        select(func.max(WebhookAttempt.id))
        .where(WebhookAttempt.message_id.in_([m.id for m in messages]))
        .group_by(WebhookAttempt.message_id)
    )
    attempts = (
        {
            a.message_id: a
            for a in session.scalars(select(WebhookAttempt).where(WebhookAttempt.id.in_(latest)))
        }
        if messages
        else {}
    )
    return [Delivery(message, attempts.get(message.id)) for message in messages]
