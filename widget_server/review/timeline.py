"""A request's timeline: its events, and the emails about it that could not be delivered.

An email the mail server refused for good (or that kept failing until the
outbox gave up) is something the brand must know about: the influencer never
heard of the decision. So it shows on the timeline with the server's answer,
in time order with the request's own events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from widget_server.db import session
from widget_server.messages.services import MessageEntry, timeline_entries
from widget_server.notifications.models import EMAIL, OutboxMessage
from widget_server.product_requests.models import ProductRequest, RequestEvent


@dataclass(frozen=True)
class FailedEmail:
    """A timeline entry for an email given up on."""

    created_at: datetime  # when the outbox gave up
    to: str
    subject: str
    error: str
    kind: str = "email_failed"


def timeline(request: ProductRequest) -> list[RequestEvent | MessageEntry | FailedEmail]:
    """``request``'s events, messages and failed emails, oldest first.

    The caller checked the brand.
    """
    failed = [
        FailedEmail(row.failed_at, row.to_addr, row.subject, row.last_error or "")
        for row in session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.request_id == request.id,
                OutboxMessage.kind == EMAIL,  # webhooks have the brand's delivery log
                OutboxMessage.failed_at.is_not(None),
            )
            .order_by(OutboxMessage.failed_at, OutboxMessage.id)
        )
        if row.failed_at is not None
    ]
    entries: list[RequestEvent | MessageEntry | FailedEmail] = [
        *timeline_entries(request),
        *failed,
    ]
    return sorted(entries, key=lambda entry: entry.created_at)
