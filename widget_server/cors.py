"""CORS for the widget API: only the brand's own store origins are answered.

The allowed origins live in the database, per brand, so flask-cors' static
configuration cannot express them. The decision (is this exact origin one of
the brand's?) is ours; the headers are written by flask-cors' own machinery.
A preflight carries no body and no token, so it can only be matched against
the origins of every brand; the real request is then matched against the one
brand it names, and refused with 403 otherwise. No credentials (cookies) are
ever allowed: the widget authenticates with a bearer token.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_cors.core import get_cors_options, set_cors_headers
from sqlalchemy import select

from widget_server.brands.models import Brand
from widget_server.db import session

#: URL prefixes called from store pages.
WIDGET_API_PREFIXES = ("/v1/session", "/v1/catalog", "/v1/requests")

_OPTIONS = {
    "methods": ["GET", "POST"],
    "allow_headers": ["Authorization", "Content-Type", "Idempotency-Key"],
    "expose_headers": ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"],
    "max_age": 600,
    "supports_credentials": False,
    "always_send": False,
}


def _origin_allowed(origin: str) -> bool:
    brand: Brand | None = g.get("brand")
    if brand is not None:
        return brand.allows_origin(origin)
    if request.method != "OPTIONS":
        return False
    # A preflight: is this origin any brand's store? (One small query; the
    # browser caches the answer for max_age seconds.)
    origins = session.scalars(select(Brand.allowed_origins)).all()
    return any(origin.lower() in allowed for allowed in origins)


def add_cors_headers(response: Response) -> Response:
    """After-request hook: CORS headers for the brand's exact origins only."""
    if not request.path.startswith(WIDGET_API_PREFIXES):
        return response
    # The answer depends on the Origin, so caches must key on it too.
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and _origin_allowed(origin):
        set_cors_headers(response, get_cors_options(None, _OPTIONS, {"origins": [origin]}))
    return response


def init_app(app: Flask) -> None:
    """Install the after-request hook."""
    app.after_request(add_cors_headers)
