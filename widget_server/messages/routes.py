"""``/v1/requests/<id>/messages``: the influencer's side of a request's thread (the panel)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.influencers.auth import authenticate_link
from widget_server.influencers.models import InfluencerLink
from widget_server.messages import rules, services
from widget_server.messages.rules import INFLUENCER
from widget_server.messages.schemas import MessageIn, ThreadOut, thread_answer
from widget_server.openapi import WIDGET_CALL, DotsBlueprint, answers
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.schemas import BrandQuery
from widget_server.ratelimit import PER_IP_READ, limit_writes, limiter

blp = DotsBlueprint("messages", __name__, url_prefix="/v1", description="Messages on a request")


def _own_request(link: InfluencerLink, request_id: int) -> ProductRequest:
    """This influencer's request at this brand (events and messages loaded); 404 otherwise."""
    found = (
        None
        if getattr(link, "preview", False)
        else session.scalar(
            select(ProductRequest)
            .where(
                ProductRequest.id == request_id,
                ProductRequest.influencer_id == link.influencer_id,
                ProductRequest.brand_id == link.brand_id,
            )
            .options(selectinload(ProductRequest.events), selectinload(ProductRequest.messages))
        )
    )
    if found is None:
        raise ApiError(404, "not_found", "There is no such request.")
    return found


def _thread(request: ProductRequest, unread: int) -> dict[str, Any]:
    session.refresh(request, ["messages"])
    return thread_answer(request.id, request.messages, not rules.closed(request), unread)


@blp.route("/requests/<int:request_id>/messages")
class MessagesView(MethodView):
    @limiter.limit(PER_IP_READ)
    @blp.arguments(BrandQuery, location="query")
    @blp.response(200, ThreadOut)
    @answers(blp, *WIDGET_CALL)
    def get(self, query: dict[str, Any], request_id: int) -> dict[str, Any]:
        """The request's thread with the brand, oldest first; the brand's messages are now read.

        From the panel only (the widget's origin: the overlay's panel or the
        standalone page). 404 for a request that is not this influencer's at
        this brand. The brand's side is its name, never a reviewer's email.
        """
        link = authenticate_link(query["brand"], panel_only=True)
        request = _own_request(link, request_id)  # type: ignore[arg-type]
        unread = services.unread_in(request, INFLUENCER)
        services.mark_read(request, INFLUENCER)
        return _thread(request, unread)

    @limit_writes
    @blp.arguments(MessageIn)
    @blp.response(201, ThreadOut)
    @answers(blp, *WIDGET_CALL, 409)
    def post(self, body: dict[str, Any], request_id: int) -> dict[str, Any]:
        """Write to the brand on this request's thread; the brand is emailed a link to it.

        ``body``: 1 to 2,000 characters after trimming, line breaks kept, no
        control characters (422 naming ``body``). Any status; 409
        ``thread_closed`` once the request ended more than 30 days ago. 404
        for a request that is not this influencer's at this brand. Answers
        the whole thread.
        """
        link = authenticate_link(body["brand"], panel_only=True, write=True)
        request = _own_request(link, request_id)  # type: ignore[arg-type]
        services.post(request, INFLUENCER, request.influencer.email, body["body"])
        return _thread(request, 0)
