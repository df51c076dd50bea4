"""CORS for the widget API: only the brand's own store origins are answered.

The allowed origins live in the database, per brand, so flask-cors' static
configuration cannot express them. The decision (is this exact origin one of
the brand's?) is ours; the headers are written by flask-cors' own machinery.
A preflight carries no body and no token, so it can only be matched against
the origins of every brand; the real request is then matched against the one
brand it names, and refused with 403 otherwise. No credentials (cookies) are
ever allowed: the widget authenticates with a bearer token. Preflights are
cached for 10 minutes (``Access-Control-Max-Age``), so a page view pays for
one at most once; ``GET /v1/products`` needs none (no ``Authorization``).

Calls refused before their view ran (a 429 from the rate limiter, a 413)
have no ``g.brand`` yet; they are matched against the brand they name (its
``brand`` argument or body field), so the overlay can read why it was refused.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_cors.core import get_cors_options, set_cors_headers
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from widget_server.brands.models import Brand
from widget_server.brands.services import find_brand
from widget_server.db import session
from widget_server.errors import DATABASE_DOWN
from widget_server.validation import MAX_JSON_DEPTH, SLUG, json_depth

#: URL prefixes called from store pages.
WIDGET_API_PREFIXES = ("/v1/session", "/v1/catalog", "/v1/products", "/v1/requests")

_OPTIONS = {
    "methods": ["GET", "POST"],
    "allow_headers": ["Authorization", "Content-Type", "Idempotency-Key"],
    "expose_headers": ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"],
    "max_age": 600,
    "supports_credentials": False,
    "always_send": False,
}


def _named_brand(response: Response) -> Brand | None:
    """The brand a call names, for answers given before its view loaded one."""
    slug = request.args.get("brand")
    if slug is None and request.is_json and response.status_code != 413:
        try:
            data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH
        except HTTPException:
            data = b""
        body = request.get_json(silent=True) if json_depth(data) <= MAX_JSON_DEPTH else None
        slug = body.get("brand") if isinstance(body, dict) else None
    if not isinstance(slug, str) or not SLUG.regex.match(slug):
        return None
    return find_brand(slug)


def _origin_allowed(origin: str, response: Response) -> bool:
    brand: Brand | None = g.get("brand")
    if brand is None and request.method != "OPTIONS":
        brand = _named_brand(response)
    if brand is not None:
        return brand.allows_origin(origin)
    if request.method != "OPTIONS" and response.status_code < 400:
        return False
    # A preflight, or an error that names no brand: is this origin any brand's
    # store? (One small query; an error body carries nothing but its reason.)
    origins = session.scalars(select(Brand.allowed_origins)).all()
    return any(origin.lower() in allowed for allowed in origins)


def add_cors_headers(response: Response) -> Response:
    """After-request hook: CORS headers for the brand's exact origins only."""
    if not request.path.startswith(WIDGET_API_PREFIXES):
        return response
    # The answer depends on the Origin, so caches must key on it too.
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    try:
        allowed = bool(origin) and _origin_allowed(str(origin), response)
    except DATABASE_DOWN:
        # The answer is already the 503 that says so: without the brand's
        # origins it simply goes without CORS headers, rather than failing again.
        allowed = False
    if allowed:
        set_cors_headers(response, get_cors_options(None, _OPTIONS, {"origins": [origin]}))
    return response


def init_app(app: Flask) -> None:
    """Install the after-request hook."""
    app.after_request(add_cors_headers)
