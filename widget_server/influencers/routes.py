"""``POST /v1/session``: the influencer's proof of identity for the overlay."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from widget_server.influencers.auth import authenticate_link
from widget_server.influencers.schemas import SessionRequest, SessionResponse
from widget_server.openapi import WIDGET_CALL, answers
from widget_server.ratelimit import PER_IP_READ, limiter

blp = Blueprint("session", __name__, url_prefix="/v1", description="Influencer session")


@blp.route("/session")
class SessionView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(SessionRequest)
    @blp.response(200, SessionResponse)
    @answers(blp, *WIDGET_CALL)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check a link token and say who the influencer is at this brand.

        Send ``Authorization: Bearer <token>`` from a page on one of the
        brand's store origins. 401 for a bad, expired or revoked token; 403
        for another brand's token or a foreign origin.
        """
        link = authenticate_link(body["brand"])
        return {
            "influencer": link.influencer,
            "brand": link.brand,
            "link_expires_at": link.expires_at,
        }
