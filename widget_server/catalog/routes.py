"""``GET /v1/catalog`` (the whole catalog, with a token) and ``GET /v1/products`` (the lookup)."""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask.views import MethodView

from widget_server.brands.services import get_brand
from widget_server.catalog.lookup import lookup, products_answer
from widget_server.catalog.schemas import CatalogOut, LookupOut, ProductsQuery
from widget_server.catalog.services import requestable_products
from widget_server.influencers.auth import authenticate_link
from widget_server.openapi import ANY_REQUEST, WIDGET_CALL, DotsBlueprint, answers
from widget_server.product_requests.schemas import BrandQuery
from widget_server.ratelimit import PER_IP_READ, limiter

blp = DotsBlueprint("catalog", __name__, url_prefix="/v1", description="Catalog")

#: An answer for the current catalog version never changes: a new version is a new URL.
CACHE_CURRENT = "public, max-age=31536000, immutable"
#: An answer for an old (or no) version is the current catalog: brief, then ask again.
CACHE_STALE = "public, max-age=60"


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


@blp.route("/products")
class ProductsView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(ProductsQuery, location="query")
    @blp.response(200, LookupOut, headers={"Cache-Control": {"schema": {"type": "string"}}})
    @answers(blp, *ANY_REQUEST, 404, 422, 429, link_token=False)
    def get(self, query: dict[str, Any]) -> tuple[Response, int, dict[str, str]]:
        """The products these keys name, for keys found after the start (no token).

        ``keys`` and ``full`` are comma-joined, each value ``encodeURIComponent``-ed
        (a comma inside a value is sent as ``%2C``). The answer holds only what
        the store's own pages show, the same for everyone, so browsers and CDNs
        may cache it: for a year when ``v`` is the current ``catalog_version``,
        a minute otherwise.
        """
        brand = g.brand = get_brand(query["brand"])  # g.brand: CORS answers its origins
        found = lookup(brand, query["keys"], query["full"])
        version = brand.lookup_version
        cache = CACHE_CURRENT if query.get("v") == version else CACHE_STALE
        answer = {"catalog_version": version, "products": found.products, "matches": found.matches}
        return products_answer(LookupOut, answer), 200, {"Cache-Control": cache}
