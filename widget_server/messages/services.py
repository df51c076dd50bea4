"""Posting messages, read markers and unread counts.

Each side's read marker is the id of the newest message of the other side
it has seen (``product_request.brand_read_message_id`` and
``influencer_read_message_id``); its unread count is the other side's
messages after that id. Markers only move forward, in one conditional
UPDATE, so two tabs reading at once cannot move one back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update

from widget_server import clock
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.messages import rules
from widget_server.messages.rules import BRAND, INFLUENCER
from widget_server.product_requests import emails
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestMessage


def _read_column(side: str):  # type: ignore[no-untyped-def]  # an ORM column
    return (
        ProductRequest.brand_read_message_id
        if side == BRAND
        else ProductRequest.influencer_read_message_id
    )


def _other(side: str) -> str:
    return INFLUENCER if side == BRAND else BRAND


def post(request: ProductRequest, side: str, author: str, text: str) -> RequestMessage:
    """Add ``text`` (checked by the caller's schema or form) to the thread and email the other side.

    The message, the writer's read marker and the email commit together.
    409 ``thread_closed`` when the request ended more than 30 days ago.
    """
    if rules.closed(request):
        raise ApiError(
            409,
            "thread_closed",
            f"This request ended more than {rules.OPEN_AFTER_END.days} days ago: "
            "its messages are closed.",
        )
    message = RequestMessage(
        request_id=request.id, side=side, author=author, body=text, created_at=clock.now()
    )
    session.add(message)
    session.flush()
    # Answering means having read what came before.
    mark_read(request, side)
    if side == BRAND:
        emails.brand_message(request, text, sender=author)
    else:
        emails.influencer_message(request, text)
    return message


def mark_read(request: ProductRequest, side: str) -> None:
    """``side`` has now seen every message of the other side on ``request``."""
    newest = session.scalar(
        select(func.max(RequestMessage.id)).where(
            RequestMessage.request_id == request.id, RequestMessage.side == _other(side)
        )
    )
    if newest is None:
        return
    column = _read_column(side)
    session.execute(
        update(ProductRequest)
        .where(ProductRequest.id == request.id, or_(column.is_(None), column < newest))
        .values({column: newest})
        .execution_options(synchronize_session=False)
    )
    setattr(request, column.key, max(getattr(request, column.key) or 0, newest))


def _unread_query(side: str):  # type: ignore[no-untyped-def]  # a Select to narrow down
    column = _read_column(side)
    return (
        select(func.count(RequestMessage.id))
        .join(ProductRequest, ProductRequest.id == RequestMessage.request_id)
        .where(
            RequestMessage.side == _other(side),
            RequestMessage.id > func.coalesce(column, 0),
        )
    )


def unread_counts(request_ids: Iterable[int], side: str) -> dict[int, int]:
    """``{request id: unread messages for side}`` (requests with none left out)."""
    ids = list(request_ids)
    if not ids:
        return {}
    query = (
        _unread_query(side)
        .add_columns(RequestMessage.request_id)
        .where(RequestMessage.request_id.in_(ids))
        .group_by(RequestMessage.request_id)
    )
    return {request_id: count for count, request_id in session.execute(query)}


def brand_unread_total(brand_id: int) -> int:
    """Messages from influencers on all of the brand's requests that nobody there read."""
    return session.scalar(_unread_query(BRAND).where(ProductRequest.brand_id == brand_id)) or 0


def unread_in(request: ProductRequest, side: str) -> int:
    """Unread messages for ``side`` among ``request``'s loaded messages (no query)."""
    seen = getattr(request, _read_column(side).key) or 0
    return sum(1 for m in request.messages if m.side != side and m.id > seen)


@dataclass(frozen=True)
class MessageEntry:
    """A message as a timeline entry, shaped like a ``RequestEvent`` (kind, actor, note, time).

    The timelines read the messages table: the text is stored once.
    """

    id: int
    request: ProductRequest
    actor: str
    note: str
    created_at: datetime
    kind: str = "message"

    @classmethod
    def of(cls, message: RequestMessage) -> MessageEntry:
        return cls(message.id, message.request, message.author, message.body, message.created_at)


def timeline_entries(request: ProductRequest) -> list[RequestEvent | MessageEntry]:
    """``request``'s events and its messages (loaded), oldest first."""
    entries: list[RequestEvent | MessageEntry] = [
        *request.events,
        *(MessageEntry.of(m) for m in request.messages),
    ]
    return sorted(entries, key=lambda entry: entry.created_at)
