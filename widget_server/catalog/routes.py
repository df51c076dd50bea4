"""``GET /v1/catalog``: the products the overlay may put dots on."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload, with_loader_criteria

from widget_server.catalog.models import Product, Variant
from widget_server.catalog.schemas import CatalogOut
from widget_server.db import session
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
        """The brand's active products with their active variants (one call per visit)."""
        link = authenticate_link(query["brand"])
        products = session.scalars(
            select(Product)
            .where(Product.brand_id == link.brand_id, Product.active.is_(True))
            .options(
                selectinload(Product.variants),
                with_loader_criteria(Variant, Variant.active.is_(True)),
            )
            .order_by(Product.id)
        ).all()
        return {"brand": link.brand.slug, "currency": link.brand.currency, "products": products}
