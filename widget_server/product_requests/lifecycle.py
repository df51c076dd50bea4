"""The collaboration after approval: shipment, delivery, content, completion, cancelling.

Each step is one transition of :mod:`widget_server.product_requests.states`
(one conditional UPDATE that also writes the step's own columns), so the
timeline event, the email to the other side and the store's webhook commit
with it or not at all. Callers check who may act (the brand's pages and
store API, the influencer's link); these functions take the request id that
check produced, and input their schemas validated.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import UTCDateTime, session
from widget_server.errors import ApiError, ValidationFailed
from widget_server.influencers.models import InfluencerLink
from widget_server.product_requests import states, uploads
from widget_server.product_requests.models import ProductRequest, RequestEvent

#: Statuses in which a store order may be recorded: from approval on, until it ends.
ORDER_STATUSES = (
    states.APPROVED,
    states.SHIPPED,
    states.DELIVERED,
    states.CONTENT_SUBMITTED,
    states.COMPLETED,
)


def ship(
    request_id: int, actor: str, carrier: str, tracking_number: str, tracking_url: str | None
) -> ProductRequest:
    """``approved → shipped`` with the carrier and tracking; the influencer is emailed."""
    note = " · ".join(part for part in (carrier, tracking_number) if part)
    return states.transition(
        request_id,
        states.SHIPPED,
        actor,
        note,
        changes={
            "carrier": carrier,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
            "shipped_at": clock.now(),
        },
    )


def mark_delivered(request_id: int, actor: str) -> ProductRequest:
    """``shipped → delivered``; content is due ``brand.content_days`` from now."""
    content_days = session.scalar(
        select(Brand.content_days)
        .join(ProductRequest, ProductRequest.brand_id == Brand.id)
        .where(ProductRequest.id == request_id)
    )
    if content_days is None:
        raise ApiError(404, "not_found", "There is no such request.")
    now = clock.now()
    return states.transition(
        request_id,
        states.DELIVERED,
        actor,
        changes={"delivered_at": now, "content_due_at": now + timedelta(days=content_days)},
    )


def owned_request_id(link: InfluencerLink, request_id: int) -> int:
    """``request_id`` if it is this link's influencer's request at this brand; 404 otherwise."""
    owned = session.scalar(
        select(ProductRequest.id).where(
            ProductRequest.id == request_id,
            ProductRequest.influencer_id == link.influencer_id,
            ProductRequest.brand_id == link.brand_id,
        )
    )
    if owned is None:
        raise ApiError(404, "not_found", "There is no such request.")
    return owned


def submit_content(
    link: InfluencerLink,
    request_id: int,
    urls: list[str],
    screenshots: list[uploads.Screenshot] | None = None,
) -> ProductRequest:
    """``delivered → content_submitted`` with the post URLs and screenshots; the brand is emailed.

    At least one URL or one screenshot. The screenshots' rows go in before
    the transition (so the brand's email counts them) and out again if it
    is refused; their files are written only once it won, and removed if
    writing fails, so nothing is ever half-submitted. Refusals do not name
    who acted: the caller holds only a link token.
    """
    screenshots = screenshots or []
    if not urls and not screenshots:
        raise ValidationFailed({"urls": ["Give a link to your post, or a screenshot of it."]})
    owned = owned_request_id(link, request_id)
    rows = uploads.record(owned, screenshots)
    shots = f"{len(rows)} screenshot{'' if len(rows) == 1 else 's'}" if rows else None
    try:
        request = states.transition(
            owned,
            states.CONTENT_SUBMITTED,
            link.influencer.email,
            "\n".join([*urls, *([shots] if shots else [])]),
            name_actor=False,
            changes={
                "content_urls": urls,
                # The first submission decides "on time"; a resubmission after
                # the brand asked for changes keeps it.
                "content_submitted_at": func.coalesce(
                    ProductRequest.content_submitted_at, type_coerce(clock.now(), UTCDateTime())
                ),
            },
        )
    except states.TransitionRefused:
        for row in rows:
            session.delete(row)
        session.flush()
        raise
    uploads.write(rows, screenshots)
    return request


def accept_content(request_id: int, actor: str) -> ProductRequest:
    """``content_submitted → completed``: the collaboration is done (the survey counts from now)."""
    return states.transition(
        request_id, states.COMPLETED, actor, changes={"completed_at": clock.now()}
    )


def request_changes(request_id: int, actor: str, note: str) -> ProductRequest:
    """``content_submitted → delivered`` with the brand's note of what to change."""
    return states.transition(
        request_id, states.DELIVERED, actor, note, event=states.CHANGES_REQUESTED
    )


def cancel(request_id: int, actor: str, note: str | None = None) -> ProductRequest:
    """``approved → cancelled``, only before it ships; the influencer is emailed."""
    return states.transition(request_id, states.CANCELLED, actor, note)


def undo_approval(request_id: int, actor: str) -> ProductRequest:
    """``approved → pending`` within the brand's undo window, before the store made an order.

    The window is enforced by the UPDATE itself (``decided_at`` newer than
    the window), so a click that arrives late is refused however the page
    looked; the held-back email and webhook are deleted and the pending
    claim taken again (see ``states._reopen``). A newer pending request of
    the influencer for one of these products makes the claim collide: then
    nothing changes and the undo is refused.
    """
    brand = session.scalar(
        select(Brand)
        .join(ProductRequest, ProductRequest.brand_id == Brand.id)
        .where(ProductRequest.id == request_id)
    )
    if brand is None:
        raise ApiError(404, "not_found", "There is no such request.")
    now = clock.now()
    inside = and_(
        ProductRequest.decided_at > now - states.undo_window(brand),
        ProductRequest.order_number.is_(None),
        # Undone after its expiry, it would only expire at once.
        ProductRequest.expires_at > now,
    )
    try:
        with session.begin_nested():
            return states.transition(
                request_id,
                states.PENDING,
                actor,
                event=states.APPROVAL_UNDONE,
                changes={"decided_at": None},
                only_if=inside,
            )
    except IntegrityError:
        raise states.TransitionRefused(
            409,
            "undo_refused",
            "This approval can no longer be undone: the influencer has since sent "
            "another request for one of these products.",
        ) from None


def record_order(
    request_id: int, actor: str, order_number: str, order_url: str | None
) -> tuple[ProductRequest, bool]:
    """Keep the store's order for an approved request; ``(request, changed)``.

    Not a change of status, but as atomic as one: one conditional UPDATE
    records it only while none is recorded. The same order again changes
    nothing (``changed`` False); another order number is a 409, as is a
    request that is not (or no longer) approved.
    """
    recorded = session.scalar(
        update(ProductRequest)
        .where(
            ProductRequest.id == request_id,
            ProductRequest.status.in_(ORDER_STATUSES),
            ProductRequest.order_number.is_(None),
        )
        .values(order_number=order_number, order_url=order_url)
        .returning(ProductRequest.id)
        .execution_options(synchronize_session=False)
    )
    request = session.get(ProductRequest, request_id, populate_existing=True)
    if request is None:
        raise ApiError(404, "not_found", "There is no such request.")
    if recorded is not None:
        session.add(
            RequestEvent(
                request_id=request_id,
                kind="order_created",
                actor=actor,
                note=order_number,
                created_at=clock.now(),
            )
        )
        session.flush()
        return request, True
    if request.order_number == order_number and request.order_url == order_url:
        return request, False
    if request.order_number is not None:
        raise ApiError(
            409,
            "order_conflict",
            f"This request already has store order {request.order_number}.",
        )
    shown = request.status.replace("_", " ")
    raise ApiError(409, "wrong_status", f"This request is {shown}; it has no store order.")
