"""Which email each lifecycle event sends, written to the outbox in the same transaction."""

from __future__ import annotations

from flask import current_app

from widget_server.notifications.outbox import enqueue_email
from widget_server.product_requests.models import ProductRequest

#: status reached -> template sent to the influencer
INFLUENCER_TEMPLATES = {
    "approved": "request_approved",
    "denied": "request_denied",
    "expired": "request_expired",
}


def review_url(request: ProductRequest) -> str:
    """The brand's page for this request."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/review/requests/{request.id}"


def on_submitted(request: ProductRequest) -> None:
    """Tell the brand a new request is waiting."""
    enqueue_email(
        to=request.brand.notify_email,
        template="request_submitted",
        context={"request": request, "review_url": review_url(request)},
        request_id=request.id,
    )


def on_transition(request: ProductRequest, status: str, note: str | None) -> None:
    """Tell the influencer their request was approved, denied or expired."""
    template = INFLUENCER_TEMPLATES.get(status)
    if template is None:
        return
    enqueue_email(
        to=request.influencer.email,
        template=template,
        context={"request": request, "reason": note, "review_url": review_url(request)},
        reply_to=request.brand.notify_email,
        request_id=request.id,
    )


def brand_message(request: ProductRequest, message: str, sender: str) -> None:
    """A free-text email from the brand; replies go to the brand's notify address."""
    enqueue_email(
        to=request.influencer.email,
        template="brand_message",
        context={"request": request, "message": message, "sender": sender},
        reply_to=request.brand.notify_email,
        request_id=request.id,
    )
