"""Routes of the demo store (one blueprint)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup, escape

from .catalog import (
    MAX_PRODUCTS,
    find_product,
    format_money,
    make_catalog,
    plain_text,
    product_colour,
    product_shape,
)
from .images import product_svg

bp = Blueprint("store", __name__)

FEED_DEFAULT_LIMIT = 30
FEED_MAX_LIMIT = 250  # Shopify's cap on /products.json?limit=
INFINITE_PAGE_SIZE = 8
PILL_TYPES = {"Knitwear"}


def _base_url() -> str:
    """Origin of the current request, used to make image URLs absolute like Shopify's."""
    return request.host_url.rstrip("/")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """Read an integer query argument, falling back on junk and clamping to ``low..high``."""
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        value = default
    return max(low, min(value, high))


def _shown_products() -> list[dict[str, Any]]:
    """Products for a grid page: the configured count, or ``?count=N`` (benchmark pages)."""
    configured = current_app.config["DEMO_STORE_PRODUCT_COUNT"]
    return make_catalog(_int_arg("count", configured, 0, MAX_PRODUCTS), _base_url())


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "widget_url": current_app.config["DEMO_STORE_WIDGET_URL"],
        "brand": current_app.config["DEMO_STORE_BRAND"],
        "store_name": current_app.config["DEMO_STORE_NAME"],
        # Page variants override these two (see /csp and /double).
        "nonce_attr": "",
        "widget_tag_count": 1,
    }


@bp.app_template_filter("money")
def _money_filter(amount: str) -> str:
    return format_money(amount)


@bp.app_template_filter("from_price")
def _from_price(product: dict[str, Any]) -> str:
    """The lowest variant price of a product, as a decimal string."""
    return min((v["price"] for v in product["variants"]), key=float)


@bp.app_errorhandler(404)
def _not_found(_error: Exception) -> tuple[str, int]:
    return render_template("404.html"), 404


@bp.route("/")
def home() -> str:
    """Front page: a small banner above the full collection grid."""
    return render_template("collection.html", products=_shown_products(), home=True)


@bp.route("/collections/all")
def collection_all() -> str:
    """The "all products" collection grid."""
    return render_template("collection.html", products=_shown_products(), home=False)


@bp.route("/products/<handle>")
def product(handle: str) -> str:
    """Product page with option selects and a schema.org ``Product`` JSON-LD block."""
    item = find_product(handle, _base_url())
    if item is None:
        abort(404)
    variants = item["variants"]
    requested = request.args.get("variant", type=int)
    selected = next((v for v in variants if v["id"] == requested), None)
    if selected is None:
        selected = next((v for v in variants if v["available"]), variants[0])
    url = f"{_base_url()}/products/{item['handle']}"
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item["title"],
        "sku": selected["sku"],
        "description": plain_text(item["body_html"]),
        "url": url,
        "brand": {"@type": "Brand", "name": item["vendor"]},
        "offers": [
            {
                "@type": "Offer",
                "name": v["title"],
                "sku": v["sku"],
                "price": v["price"],
                "priceCurrency": "USD",
                "availability": "https://schema.org/InStock"
                if v["available"]
                else "https://schema.org/OutOfStock",
                "url": f"{url}?variant={v['id']}",
            }
            for v in variants
        ],
    }
    if item["images"]:
        ld["image"] = [image["src"] for image in item["images"]]
    # Options other than Shopify's placeholder "Title" get a <select>, or radio
    # "pills" (Dawn's default picker) on knitwear, so both conventions are on
    # the store.
    selects = [opt for opt in item["options"] if opt["name"] != "Title"]
    pills = item["product_type"] in PILL_TYPES
    return render_template(
        "product.html", product=item, selected=selected, selects=selects, pills=pills, ld=ld
    )


@bp.route("/products.json")
def products_json() -> Response:
    """Shopify's public product feed: ``{"products": [...]}`` with ``limit`` and ``page``."""
    limit = _int_arg("limit", FEED_DEFAULT_LIMIT, 1, FEED_MAX_LIMIT)
    page = _int_arg("page", 1, 1, 10_000)
    catalog = make_catalog(current_app.config["DEMO_STORE_PRODUCT_COUNT"], _base_url())
    start = (page - 1) * limit
    return jsonify({"products": catalog[start : start + limit]})


@bp.route("/images/<handle>.svg")
def product_image(handle: str) -> Response:
    """The generated illustration of a product; immutable, so cached for a year."""
    item = find_product(handle)
    if item is None or not item["images"]:
        abort(404)
    svg = product_svg(handle, product_shape(item), product_colour(item))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico regardless; answer instead of logging a 404 each time."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/spa")
@bp.route("/spa/<any(tops, accessories):category>")
def spa(category: str | None = None) -> str:
    """Client-side-routed collection; the grid is rendered by ``static/spa.js``."""
    return render_template("spa.html", category=category or "all")


@bp.route("/infinite")
def infinite() -> str:
    """First page of products; ``static/infinite.js`` appends the rest from the feed."""
    configured = current_app.config["DEMO_STORE_PRODUCT_COUNT"]
    products = make_catalog(min(INFINITE_PAGE_SIZE, configured), _base_url())
    return render_template("infinite.html", products=products, page_size=INFINITE_PAGE_SIZE)


@bp.route("/tagged")
def tagged() -> str:
    """Another theme's markup: tiles carry ``data-dots-product`` and link nowhere."""
    products = [p for p in _shown_products() if p["images"]]
    return render_template("tagged.html", products=products)


@bp.route("/hostile")
def hostile() -> str:
    """A broken theme: ``* { all: unset }``, ``!important`` rules, max z-index overlays."""
    return render_template("hostile.html", products=_shown_products())


@bp.route("/csp")
def csp() -> Response:
    """The grid under a strict Content-Security-Policy with a fresh nonce per response."""
    nonce = secrets.token_urlsafe(18)
    widget = current_app.config["DEMO_STORE_WIDGET_URL"]
    body = render_template(
        "csp.html",
        products=_shown_products(),
        csp_nonce=nonce,
        nonce_attr=Markup(f' nonce="{escape(nonce)}"'),
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"script-src 'nonce-{nonce}' {widget}; "
        f"style-src 'self' 'nonce-{nonce}'; "
        f"img-src 'self' data: {widget}; "
        f"connect-src {widget}; "
        f"frame-src {widget}"
    )
    return response


@bp.route("/double")
def double() -> str:
    """The grid with the widget script tag pasted twice, as a careless brand might."""
    return render_template("collection.html", products=_shown_products(), widget_tag_count=2)
