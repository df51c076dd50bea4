"""Which lifecycle events reach the brand's store, and what their JSON says.

Written to the outbox in the transition's own transaction (like the emails),
so the store hears of exactly the changes that committed. Only brands that
set a webhook URL get them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from widget_server import clock
from widget_server.notifications.outbox import enqueue_webhook
from widget_server.product_requests.models import ProductRequest

#: Event kinds (timeline) that become webhooks, as ``request.<kind>``.
EVENTS = frozenset(
    {
        "created",
        "approved",
        "denied",
        "expired",
        "withdrawn",
        "cancelled",
        "shipped",
        "delivered",
        "content_submitted",
        "changes_requested",
        "completed",
    }
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def request_data(request: ProductRequest) -> dict[str, Any]:
    """The request as the store sees it: what to send, where, and where it stands.

    The full address only while the brand has to ship (as on its pages); the
    influencer's email never (the store has no need of it).
    """
    return {
        "id": request.id,
        "status": request.status,
        "brand": request.brand.slug,
        "submitted_at": _iso(request.submitted_at),
        "currency": request.currency,
        "total_minor": request.total_minor,
        "influencer": {
            "name": request.influencer.name,
            "handles": [
                {"platform": h.platform, "handle": h.handle} for h in request.influencer.handles
            ],
        },
        "items": [
            {
                "sku": item.sku,
                "store_variant_id": item.variant.store_id,
                "product_handle": item.product_handle,
                "product_title": item.product_title,
                "variant_title": item.variant_title,
                "quantity": item.quantity,
                "unit_price_minor": item.unit_price_minor,
            }
            for item in request.items
        ],
        "shipping_address": request.address_for_brand,
        "order": {"number": request.order_number, "url": request.order_url},
        "shipment": {
            "carrier": request.carrier,
            "tracking_number": request.tracking_number,
            "tracking_url": request.tracking_url,
            "shipped_at": _iso(request.shipped_at),
        },
        "delivered_at": _iso(request.delivered_at),
        "content_due_at": _iso(request.content_due_at),
        "content_urls": list(request.content_urls or []),
    }


def on_event(
    request: ProductRequest, kind: str, note: str | None, not_before: datetime | None = None
) -> None:
    """Queue ``request.<kind>`` for the brand's webhook, if it has one.

    ``not_before`` holds it back (an approval that can still be undone: the
    store must not create an order for it yet).
    """
    brand = request.brand
    if kind not in EVENTS or not brand.webhook_url:
        return
    enqueue_webhook(
        brand_id=brand.id,
        url=brand.webhook_url,
        event=f"request.{kind}",
        data={"request": request_data(request), "note": note},
        request_id=request.id,
        created_at=clock.now(),
        not_before=not_before,
    )
