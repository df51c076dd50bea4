"""The one state machine of a product request.

``pending → approved | denied | expired | withdrawn``, then the collaboration:
``approved → shipped | cancelled``, ``shipped → delivered``,
``delivered → content_submitted``, ``content_submitted → completed`` or back
to ``delivered`` (the brand asks for changes), and ``approved → pending``
while the brand may still undo its approval (:func:`undo_window`). Every change is one
conditional UPDATE (``… WHERE id = ? AND status IN (allowed sources)``), so
when approve, deny and expire race, the database lets exactly one win; the
others see zero rows changed and get a clear refusal (naming the winner on
the brand's pages only).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, insert, select, update
from sqlalchemy.orm import selectinload

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.notifications.models import OutboxMessage
from widget_server.product_requests import counters, emails, webhooks
from widget_server.product_requests.models import ProductRequest, RequestEvent, RequestItem

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
SHIPPED = "shipped"
DELIVERED = "delivered"
CONTENT_SUBMITTED = "content_submitted"
COMPLETED = "completed"
CANCELLED = "cancelled"

#: status -> the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, DENIED, EXPIRED, WITHDRAWN}),
    # Back to "pending": the brand undid its approval within the window.
    APPROVED: frozenset({SHIPPED, CANCELLED, PENDING}),
    SHIPPED: frozenset({DELIVERED}),
    DELIVERED: frozenset({CONTENT_SUBMITTED}),
    # Back to "delivered": the brand asked for changes (event "changes_requested").
    CONTENT_SUBMITTED: frozenset({COMPLETED, DELIVERED}),
}
STATUSES = (
    PENDING,
    APPROVED,
    DENIED,
    EXPIRED,
    WITHDRAWN,
    SHIPPED,
    DELIVERED,
    CONTENT_SUBMITTED,
    COMPLETED,
    CANCELLED,
)
#: Statuses of a request the brand approved and did not cancel: in the brand's
#: summary and an influencer's track record they all count as approved.
WAS_APPROVED = (APPROVED, SHIPPED, DELIVERED, CONTENT_SUBMITTED, COMPLETED)
#: The columns of a request its counters depend on (see ``counters.Moved``).
COUNTED = (
    ProductRequest.brand_id,
    ProductRequest.total_minor,
    ProductRequest.decided_at,
    ProductRequest.expires_at,
)
#: The event written when content goes back to "delivered".
CHANGES_REQUESTED = "changes_requested"
#: The event written when an approval is undone (back to "pending").
APPROVAL_UNDONE = "approval_undone"
#: Outbox templates of an approval's email and webhook: held back while it can be undone.
APPROVAL_MESSAGES = ("request_approved", "request.approved")


def undo_window(brand: Brand) -> timedelta:
    """How long ``brand``'s approvals can be undone (its setting, else the config's)."""
    seconds = brand.approval_undo_seconds
    if seconds is None:
        seconds = int(current_app.config.get("APPROVAL_UNDO_SECONDS", 0))
    return timedelta(seconds=seconds)


def undo_deadline(request: ProductRequest) -> datetime | None:
    """Until when the brand may undo the approval of ``request``; None when it cannot (any more).

    For the pages: the conditional UPDATE of the undo decides for itself.
    """
    if request.status != APPROVED or request.decided_at is None or request.order_number:
        return None
    deadline = request.decided_at + undo_window(request.brand)
    return deadline if deadline > clock.now() else None


def effective_status(request: ProductRequest, now: datetime | None = None) -> str:
    """The status as people must see it: an overdue pending request is expired.

    The sweeper writes the change (and sends the email) in batches; until it
    runs, every read uses this so no page shows a stale "pending".
    """
    if request.status == PENDING and request.expires_at <= (now or clock.now()):
        return EXPIRED
    return request.status


def effective_decided_at(request: ProductRequest, now: datetime | None = None) -> datetime | None:
    """When the request stopped being pending, as people must see it (None while pending).

    An overdue request that the sweeper has not reached yet ended when it expired.
    """
    if request.decided_at is not None:
        return request.decided_at
    if effective_status(request, now) == EXPIRED:
        return request.expires_at
    return None


def denial_reason(request: ProductRequest) -> str | None:
    """The brand's reason for denying ``request`` (the note of its deny event), or None."""
    if request.status != DENIED:
        return None
    notes = [event.note for event in request.events if event.kind == DENIED]
    return notes[-1] if notes else None


class TransitionRefused(ApiError):
    """The request is not in a state that allows this change (409)."""


def _refusal(request_id: int, target: str, name_actor: bool) -> TransitionRefused:
    current = session.get(ProductRequest, request_id, populate_existing=True)
    if current is None:
        return TransitionRefused(404, "not_found", "There is no such request.")
    status = effective_status(current)
    if target == PENDING:
        if status != APPROVED:
            reason = f"it is {status.replace('_', ' ')}"
        elif current.order_number:
            reason = f"the store already created order {current.order_number}"
        else:
            reason = "the time to undo it is over and the influencer is being emailed"
        return TransitionRefused(
            409, "undo_refused", f"This approval can no longer be undone: {reason}."
        )
    if target not in TRANSITIONS[PENDING]:
        # A step of the collaboration asked at the wrong moment (shipping a
        # pending request, delivering twice): say where the request stands.
        shown = status.replace("_", " ")
        return TransitionRefused(
            409,
            "wrong_status",
            f"This request is {shown}; it cannot be {target.replace('_', ' ')} now.",
        )
    last = session.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == status)
        .order_by(RequestEvent.id.desc())
    )
    by = f" by {last.actor}" if name_actor and last is not None and status != EXPIRED else ""
    return TransitionRefused(
        409,
        f"already_{status}",
        f"This request was already {status}{by}; it cannot be {target} now.",
    )


def _move(
    ids: list[int],
    target: str,
    actor: str,
    note: str | None,
    as_of: datetime | None = None,
    *,
    changes: dict[str, Any] | None = None,
    event: str | None = None,
    only_if: ColumnElement[bool] | None = None,
) -> list[int]:
    """Move every request of ``ids`` that may go to ``target``; return those moved.

    One conditional ``UPDATE … RETURNING`` decides; the claim release, the
    timeline events, the emails and the webhooks then follow for exactly the
    rows it moved, all in the caller's transaction. ``as_of`` (``expire
    --now``) only moves the deadline that decides what is overdue: the
    change, its event and its email are stamped with the real time, so the
    email goes out now. ``changes`` are columns written by the same UPDATE
    (the tracking number of a shipment), so they can never disagree with the
    status; ``event`` names the timeline event when it is not the status;
    ``only_if`` is one more condition of the UPDATE (an undo's window).

    An approval's email and webhook are held back for the brand's undo
    window; undoing (``approved → pending``) deletes them while still held,
    and takes the pending claim again.
    """
    now = clock.now()
    cutoff = as_of or now
    sources = [source for source, targets in TRANSITIONS.items() if target in targets]
    condition = and_(ProductRequest.id.in_(ids), ProductRequest.status.in_(sources))
    if only_if is not None:
        condition = and_(condition, only_if)
    values: dict[str, Any] = {"status": target, **(changes or {})}
    deciding = PENDING in sources
    if deciding:
        # Overdue requests may only expire: approving or denying them is refused.
        condition = and_(
            condition,
            ProductRequest.expires_at <= cutoff
            if target == EXPIRED
            else ProductRequest.expires_at > cutoff,
        )
        values["decided_at"] = now
    # One UPDATE per source status, so the counters know where each row came
    # from (RETURNING sees only new values); a row moved by one cannot match
    # the next, since no status is a source of itself. A change of
    # decided_at (an undo clears it) waits for a second UPDATE of the rows
    # just moved, so the first one returns the day they were counted under.
    later = {"decided_at": values.pop("decided_at")} if "decided_at" in (changes or {}) else {}
    was: dict[int, tuple[str, counters.Moved]] = {}
    for source in sources:
        rows = session.execute(
            update(ProductRequest)
            .where(condition, ProductRequest.status == source)
            .values(**values)
            .returning(ProductRequest.id, *COUNTED)
            .execution_options(synchronize_session=False)
        )
        was.update({ident: (source, counters.Moved(*columns)) for ident, *columns in rows})
    moved = list(was)
    after = {ident: row for ident, (_source, row) in was.items()}
    if later and moved:
        rows = session.execute(
            update(ProductRequest)
            .where(ProductRequest.id.in_(moved))
            .values(**later)
            .returning(ProductRequest.id, *COUNTED)
            .execution_options(synchronize_session=False)
        )
        after.update({ident: counters.Moved(*columns) for ident, *columns in rows})
    deltas = counters.Deltas()
    for ident, (source, before) in was.items():
        deltas.add(before, source, -1)
        deltas.add(after[ident], target, 1)
    if not moved:
        return moved
    if target == PENDING:
        _reopen(moved, now)
    if deciding:
        # Leaving "pending" releases the one-pending-request-per-product claim.
        session.execute(
            update(RequestItem)
            .where(RequestItem.request_id.in_(moved))
            .values(pending_claim=None)
            .execution_options(synchronize_session=False)
        )
    kind = event or target
    session.execute(
        insert(RequestEvent),
        [
            {"request_id": i, "kind": kind, "actor": actor, "note": note, "created_at": now}
            for i in moved
        ],
    )
    requests = session.scalars(
        select(ProductRequest)
        .where(ProductRequest.id.in_(moved))
        # The emails name the items and link back through the request's link.
        .options(selectinload(ProductRequest.items), selectinload(ProductRequest.link))
        .execution_options(populate_existing=True)
    )
    for request in requests:
        hold = now + undo_window(request.brand) if kind == APPROVED else None
        emails.on_transition(request, kind, note, hold)
        webhooks.on_event(request, kind, note, hold)
    # Last, so the brand's counter rows stay locked (PostgreSQL) for as short a time as can be.
    deltas.apply()
    session.flush()
    return moved


def _reopen(ids: list[int], now: datetime) -> None:
    """Undo of approvals: drop their held-back email and webhook, take the pending claim again.

    Only rows still held (due in the future, never sent) go: the window is
    the hold, so inside it nothing of the approval has left. The claim can
    collide with a newer pending request of the influencer for the same
    product (the unique index raises IntegrityError): the caller turns that
    into a refusal inside a savepoint.
    """
    session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.request_id.in_(ids),
            OutboxMessage.template.in_(APPROVAL_MESSAGES),
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at > now,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RequestItem)
        .where(RequestItem.request_id.in_(ids))
        .values(pending_claim=True)
        .execution_options(synchronize_session=False)
    )


def transition(
    request_id: int,
    target: str,
    actor: str,
    note: str | None = None,
    *,
    name_actor: bool = True,
    changes: dict[str, Any] | None = None,
    event: str | None = None,
    only_if: ColumnElement[bool] | None = None,
) -> ProductRequest:
    """Move one request to ``target`` atomically, or raise :class:`TransitionRefused`.

    Records the event and writes the email in the same transaction; the
    caller's unit of work commits. A refusal names who decided first (a
    reviewer's or the influencer's email) only with ``name_actor``: the
    brand's pages want it; influencer-facing callers must pass False, since
    anyone holding a link token reads their answers. ``changes`` and
    ``event``, ``only_if``: see :func:`_move`.
    """
    moved = _move([request_id], target, actor, note, changes=changes, event=event, only_if=only_if)
    if not moved:
        raise _refusal(request_id, target, name_actor)
    return session.get(ProductRequest, request_id)


def transition_many(
    ids: list[int], target: str, actor: str, note: str | None = None
) -> tuple[list[int], dict[int, str]]:
    """Move every request of ``ids`` that may go to ``target``, in one UPDATE.

    Returns the ids moved and, for the others, the status people see them in
    (``already approved``, ``expired``, …), so a bulk action can say which
    were refused and why. Each moved request gets its event, email and
    webhook as with :func:`transition`, in the caller's transaction. Callers
    pass only ids their brand owns.
    """
    moved = _move(ids, target, actor, note) if ids else []
    left = sorted(set(ids) - set(moved))
    refused: dict[int, str] = {}
    if left:
        now = clock.now()
        rows = session.scalars(
            select(ProductRequest)
            .where(ProductRequest.id.in_(left))
            .execution_options(populate_existing=True)
        )
        refused = {request.id: effective_status(request, now) for request in rows}
    return moved, refused


def expire_due(batch_size: int, as_of: datetime | None = None) -> int:
    """Expire up to ``batch_size`` requests overdue at ``as_of`` (default now); return how many.

    Safe to run from several processes: on PostgreSQL the batch is picked
    with ``SKIP LOCKED`` so sweepers share the work, and the conditional
    update makes any overlap harmless everywhere.
    """
    cutoff = as_of or clock.now()
    query = (
        select(ProductRequest.id)
        .where(ProductRequest.status == PENDING, ProductRequest.expires_at <= cutoff)
        .order_by(ProductRequest.expires_at)
        .limit(batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    return len(_move(ids, EXPIRED, "system", None, as_of=cutoff)) if ids else 0
