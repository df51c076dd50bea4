"""The store's calls as idempotent steps: the same call again answers the same state.

Stores retry (a timeout, a crashed job, a webhook delivered twice), so each
call asks "is the request already where this call would put it, with these
same facts?" after the state machine refuses: yes is a 200 with no new event
and no email, different facts are a 409 (``shipment_conflict``), and a request
that never got there is the state machine's own 409.
"""

from __future__ import annotations

from typing import Any

from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.product_requests import lifecycle
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.states import TransitionRefused

#: Who the timeline says acted: the brand's store, through its API key.
STORE = "store"


def _fresh(request_id: int) -> ProductRequest:
    request = session.get(ProductRequest, request_id, populate_existing=True)
    assert request is not None  # the caller found it, and requests are not deleted here
    return request


def record_order(request_id: int, data: dict[str, Any]) -> ProductRequest:
    """Keep the store's order number and URL (once; the same order again is a no-op)."""
    request, _changed = lifecycle.record_order(
        request_id, STORE, data["order_number"], data["order_url"]
    )
    return request


def record_shipment(request_id: int, data: dict[str, Any]) -> ProductRequest:
    """Ship the request with this tracking, or confirm it already was."""
    facts = (data["carrier"], data["tracking_number"], data["tracking_url"])
    try:
        return lifecycle.ship(request_id, STORE, *facts)
    except TransitionRefused:
        request = _fresh(request_id)
        if request.shipped_at is None:
            raise
        if (request.carrier, request.tracking_number, request.tracking_url) == facts:
            return request
        raise ApiError(
            409,
            "shipment_conflict",
            f"This request already shipped with {request.carrier} {request.tracking_number}.",
        ) from None


def record_delivery(request_id: int) -> ProductRequest:
    """Mark the request delivered, or confirm it already was."""
    try:
        return lifecycle.mark_delivered(request_id, STORE)
    except TransitionRefused:
        request = _fresh(request_id)
        if request.delivered_at is None:
            raise
        return request
