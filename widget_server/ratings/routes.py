"""``POST /v1/requests/<id>/rating``: the influencer rates the brand of a completed request."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from widget_server.db import session
from widget_server.influencers.auth import authenticate_link
from widget_server.openapi import WIDGET_CALL, DotsBlueprint, answers
from widget_server.product_requests.lifecycle import owned_request_id
from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.schemas import RequestOut
from widget_server.ratelimit import limit_writes
from widget_server.ratings.models import INFLUENCER
from widget_server.ratings.schemas import RatingIn
from widget_server.ratings.services import rate

blp = DotsBlueprint("ratings", __name__, url_prefix="/v1", description="Ratings")


@blp.route("/requests/<int:request_id>/rating")
class RatingView(MethodView):
    @limit_writes
    @blp.arguments(RatingIn)
    @blp.response(200, RequestOut)
    @answers(blp, *WIDGET_CALL, 409)
    def post(self, body: dict[str, Any], request_id: int) -> Any:
        """Rate the brand of a completed request: 1 to 5 ``stars`` and an optional ``comment``.

        Once per request: the brand is emailed and the rating goes on the
        timeline. Answers the request (``my_rating`` set, ``can_rate`` false).
        404 for a request that is not this influencer's at this brand; 409
        ``not_completed`` before the brand accepted the content, 409
        ``already_rated`` for a second rating.
        """
        link = authenticate_link(body["brand"], write=True)
        owned = owned_request_id(link, request_id)
        rate(owned, INFLUENCER, body["stars"], body.get("comment"), link.influencer.email)
        return session.get(ProductRequest, owned)
