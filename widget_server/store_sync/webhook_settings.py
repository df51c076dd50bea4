"""A brand's webhook: its URL and secret, and the log of deliveries it can read."""

from __future__ import annotations

from sqlalchemy import select

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
