"""The one state machine of a product request.

``pending → approved | denied | expired | withdrawn``. Every change is one
conditional UPDATE (``… WHERE id = ? AND status IN (allowed sources)``), so
when approve, deny and expire race, the database lets exactly one win; the
others see zero rows changed and get a clear refusal naming the winner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from widget_server import clock
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"

#: status -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, DENIED, EXPIRED, WITHDRAWN}),
}
STATUSES = (PENDING, APPROVED, DENIED, EXPIRED, WITHDRAWN)


def effective_status(request: ProductRequest, now: datetime | None = None) -> str:
    """The status as people must see it: an overdue pending request is expired.

    The sweeper writes the change (and sends the email) in batches; until it
    runs, every read uses this so no page shows a stale "pending".
    """
    if request.status == PENDING and request.expires_at <= (now or clock.now()):
        return EXPIRED
    return request.status


class TransitionRefused(ApiError):
    """The request is not in a state that allows this change (409)."""


def _refusal(request_id: int, target: str) -> TransitionRefused:
    current = session.get(ProductRequest, request_id, populate_existing=True)
    if current is None:
        return TransitionRefused(404, "not_found", "There is no such request.")
    status = effective_status(current)
    last = session.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == status)
        .order_by(RequestEvent.id.desc())
    )
    by = f" by {last.actor}" if last is not None and status != EXPIRED else ""
    return TransitionRefused(
        409,
        f"already_{status}",
        f"This request was already {status}{by}; it cannot be {target} now.",
    )


def transition(request_id: int, target: str, actor: str, note: str | None = None) -> ProductRequest:
    """Move one request to ``target`` atomically, or raise :class:`TransitionRefused`.

    Records the event in the same transaction; the caller's unit of work
    commits. Approving or denying an overdue request is refused: it expired.
    """
    now = clock.now()
    sources = [source for source, targets in TRANSITIONS.items() if target in targets]
    condition = and_(ProductRequest.id == request_id, ProductRequest.status.in_(sources))
    if target == EXPIRED:
        condition = and_(condition, ProductRequest.expires_at <= now)
    else:
        condition = and_(condition, ProductRequest.expires_at > now)
    changed = session.execute(
        update(ProductRequest)
        .where(condition)
        .values(status=target, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise _refusal(request_id, target)
    # Leaving "pending" releases the one-pending-request-per-product claim.
    session.execute(
        update(RequestItem)
        .where(RequestItem.request_id == request_id)
        .values(pending_claim=None)
        .execution_options(synchronize_session=False)
    )
    session.add(
        RequestEvent(request_id=request_id, kind=target, actor=actor, note=note, created_at=now)
    )
    session.flush()
    return session.get(ProductRequest, request_id, populate_existing=True)
