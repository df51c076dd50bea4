"""``GET /v1/catalog``: the products the overlay may put dots on."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from widget_server.catalog.schemas import CatalogOut
from widget_server.catalog.services import requestable_products
from widget_server.influencers.auth import authenticate_link
from widget_server.openapi import WIDGET_CALL, answers
from widget_server.product_requests.schemas import BrandQuery
from widget_server.ratelimit import PER_IP_READ, limiter

blp = Blueprint("catalog", __name__, url_prefix="/v1", description="Catalog")


@blp.route("/catalog")
class CatalogView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(BrandQuery, location="query")
    @blp.response(200, CatalogOut)
    @answers(blp, *WIDGET_CALL)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The products that get a dot, with their active variants (one call per visit).

        Excluded products and products with nothing in stock are left out.
        ``over_limit`` marks products whose cheapest available variant alone
        is over the brand's value limit (a muted dot that explains it).
        """
        link = authenticate_link(query["brand"])
        return {
            "brand": link.brand.slug,
            "currency": link.brand.currency,
            "products": requestable_products(link.brand),
        }
