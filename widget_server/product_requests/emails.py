"""Which email each lifecycle event sends, written to the outbox in the same transaction.

Emails to the brand come from the service and answer to the influencer;
emails to the influencer come in the brand's name ("Northwind Supply via
Dots"), answer to the brand, and link back to the store and to the
influencer's requests through the influencer's own link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from widget_server.brands.models import Brand
from widget_server.influencers.services import link_url
from widget_server.influencers.tokens import sign_link
from widget_server.notifications.outbox import enqueue_email
from widget_server.product_requests.models import ProductRequest
from widget_server.ratings.models import Rating

#: status reached -> template sent to the influencer
INFLUENCER_TEMPLATES = {
    "approved": "request_approved",
    "denied": "request_denied",
    "expired": "request_expired",
    "cancelled": "request_cancelled",
    "shipped": "request_shipped",
    "delivered": "request_delivered",
    "changes_requested": "request_changes_requested",
    "completed": "request_completed",
}
#: status reached -> template sent to the brand
BRAND_TEMPLATES = {
    "withdrawn": "request_withdrawn",
    "content_submitted": "request_content_submitted",
}

#: The fragment parameter that makes the overlay open "My requests".
MINE_VIEW = "&dotsview=mine"
#: Statuses before any approval: their emails need no page to follow a collaboration.
BEFORE_APPROVAL = frozenset({"pending", "denied", "expired", "withdrawn"})


def review_url(request: ProductRequest) -> str:
    """The brand's page for this request."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/review/requests/{request.id}"


def me_url(request: ProductRequest) -> str | None:
    """The standalone "My requests" page with the influencer's token in the fragment.

    It works on any device, with no store around it; None without a link.
    """
    if request.link is None:
        return None
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    return f"{public}/v1/me/{request.brand.slug}#dots={sign_link(request.link)}"


def influencer_links(request: ProductRequest) -> dict[str, str | None]:
    """``store_url`` and ``requests_url``: the influencer's own link, and it opening "My requests";
    after approval also ``me_url``, the standalone page.

    The links carry the influencer's token, so they only ever go to their
    own address. None for all when the request has no link any more.
    """
    if request.link is None:
        return {"store_url": None, "requests_url": None, "me_url": None}
    store_url = link_url(request.link)
    collaborating = request.status not in BEFORE_APPROVAL
    return {
        "store_url": store_url,
        "requests_url": store_url + MINE_VIEW,
        "me_url": me_url(request) if collaborating else None,
    }


def sender_name(request: ProductRequest) -> str:
    """The From name of emails to the influencer (the brand's Notifications setting)."""
    return request.brand.sender_name


def _to_influencer(
    request: ProductRequest,
    template: str,
    context: dict[str, Any],
    not_before: datetime | None = None,
) -> None:
    enqueue_email(
        to=request.influencer.email,
        template=template,
        context={"request": request, **influencer_links(request), **context},
        reply_to=request.brand.reply_to,
        from_name=sender_name(request),
        request_id=request.id,
        not_before=not_before,
    )


def _to_brand(
    request: ProductRequest, template: str, context: dict[str, Any] | None = None
) -> None:
    for address in request.brand.notify_addresses:
        enqueue_email(
            to=address,
            template=template,
            context={"request": request, "review_url": review_url(request), **(context or {})},
            reply_to=request.influencer.email,
            request_id=request.id,
        )


def on_submitted(request: ProductRequest) -> None:
    """Tell the brand a new request is waiting (a reply reaches the influencer).

    Brands on the daily digest hear of it there instead
    (:mod:`widget_server.console.digest`).
    """
    if not request.brand.notify_digest:
        _to_brand(request, "request_submitted")


def on_transition(
    request: ProductRequest, status: str, note: str | None, not_before: datetime | None = None
) -> None:
    """Tell the other side of an event (``status`` is its kind, e.g. ``changes_requested``).

    The influencer hears what the brand or its store did; the brand what the influencer did.
    ``note`` is the brand's reason or message (an approval's code to use, a
    denial's reason); ``not_before`` holds the email back (an approval that
    can still be undone).
    """
    if status in INFLUENCER_TEMPLATES:
        _to_influencer(request, INFLUENCER_TEMPLATES[status], {"reason": note}, not_before)
    elif status in BRAND_TEMPLATES:
        _to_brand(request, BRAND_TEMPLATES[status])


def brand_message(request: ProductRequest, message: str, sender: str) -> None:
    """The brand's message on the request's thread, with a link back to it.

    The link is the standalone "My requests" page (any device, any status);
    replies by email still reach the brand's notify address.
    """
    context = {"message": message, "sender": sender, "thread_url": me_url(request)}
    _to_influencer(request, "brand_message", context)


def influencer_message(request: ProductRequest, message: str) -> None:
    """The influencer's message on the thread, to the brand's notification addresses."""
    _to_brand(
        request,
        "influencer_message",
        {"message": message, "thread_url": review_url(request) + "#messages"},
    )


def rated_by_brand(request: ProductRequest, rating: Rating) -> None:
    """Tell the influencer how the brand rated the collaboration (stars and comment)."""
    _to_influencer(request, "rated_by_brand", {"rating": rating})


def rated_by_influencer(request: ProductRequest, rating: Rating) -> None:
    """Tell the brand how the influencer rated it; the link leads to rating them back."""
    _to_brand(request, "rated_by_influencer", {"rating": rating})


def content_reminder(request: ProductRequest, days_left: int) -> None:
    """Remind the influencer that their content is due in ``days_left`` days."""
    _to_influencer(request, "content_reminder", {"days_left": days_left})


def survey_url(request: ProductRequest) -> str:
    """The brand's metrics survey of this request (the brand signs in: no token in it)."""
    return f"{review_url(request)}/survey"


def metrics_survey(request: ProductRequest) -> None:
    """Ask the brand how the completed collaboration went (reach, clicks, orders, revenue)."""
    for address in request.brand.notify_addresses:
        enqueue_email(
            to=address,
            template="metrics_survey",
            context={
                "request": request,
                "survey_url": survey_url(request),
                "days": request.brand.survey_days,
            },
            request_id=request.id,
        )


def expiry_digest(brand: Brand, requests: list[ProductRequest]) -> None:
    """Tell the brand which pending requests expire soon (one email for all of them)."""
    public = current_app.config["PUBLIC_URL"].rstrip("/")
    for address in brand.notify_addresses:
        enqueue_email(
            to=address,
            template="expiry_digest",
            context={"brand": brand, "requests": requests, "pending_url": f"{public}/review/"},
        )
