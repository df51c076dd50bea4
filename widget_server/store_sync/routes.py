"""``/v1/requests/<id>/order|shipment|delivered``: the brand's store reports back.

Authenticated by the brand's API key (Bearer); a request of another brand is
404, as if it did not exist. Each call is idempotent (see ``services``).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from widget_server.openapi import ANY_REQUEST, DotsBlueprint, answers
from widget_server.product_requests.models import ProductRequest
from widget_server.ratelimit import PER_STORE_KEY, limiter
from widget_server.review.auth import get_request_or_404
from widget_server.store_sync import services
from widget_server.store_sync.keys import authenticate_store, store_key
from widget_server.store_sync.schemas import DeliveredIn, OrderIn, ShipmentIn, StoreRequestOut

blp = DotsBlueprint("store", __name__, url_prefix="/v1", description="The brand's store")

#: Errors a store call can answer.
STORE_CALL = (*ANY_REQUEST, 401, 404, 409, 422, 429)


def _request_id(request_id: int) -> int:
    """The id of this brand's request (404 for another brand's), after the key checks."""
    authenticate_store()
    found: ProductRequest = get_request_or_404(request_id)
    return found.id


class StoreView(MethodView):
    decorators = [limiter.limit(PER_STORE_KEY, key_func=store_key)]


@blp.route("/requests/<int:request_id>/order")
class OrderView(StoreView):
    @blp.arguments(OrderIn)
    @blp.response(200, StoreRequestOut)
    @answers(blp, *STORE_CALL, link_token=False, store_key=True)
    def post(self, body: dict[str, Any], request_id: int) -> Any:
        """Record the store's (gift) order for an approved request.

        The same order again is a 200 with nothing changed; another order
        number is 409 ``order_conflict``.
        """
        return services.record_order(_request_id(request_id), body)


@blp.route("/requests/<int:request_id>/shipment")
class ShipmentView(StoreView):
    @blp.arguments(ShipmentIn)
    @blp.response(200, StoreRequestOut)
    @answers(blp, *STORE_CALL, link_token=False, store_key=True)
    def post(self, body: dict[str, Any], request_id: int) -> Any:
        """The request shipped: ``approved → shipped``; the influencer is emailed the tracking.

        The same shipment again is a 200 with nothing changed; other tracking
        is 409 ``shipment_conflict``; a request not approved is 409 ``wrong_status``.
        """
        return services.record_shipment(_request_id(request_id), body)


@blp.route("/requests/<int:request_id>/delivered")
class DeliveredView(StoreView):
    @blp.arguments(DeliveredIn)
    @blp.response(200, StoreRequestOut)
    @answers(blp, *STORE_CALL, link_token=False, store_key=True)
    def post(self, _body: dict[str, Any], request_id: int) -> Any:
        """The parcel arrived: ``shipped → delivered``; the content due date starts.

        Again is a 200 with nothing changed; a request not shipped is 409 ``wrong_status``.
        """
        return services.record_delivery(_request_id(request_id))
