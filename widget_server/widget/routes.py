"""The request panel (``/v1/panel``) and its page (``/v1/me/<brand>``).

The loader, the overlay and the panel's script and stylesheet are answered
before Flask, from bytes prepared once per build (:mod:`.prebuilt`).
"""

from __future__ import annotations

import secrets

import jinja2
from flask import Blueprint, Flask, Response, current_app, request

from widget_server.brands.services import get_brand
from widget_server.errors import ApiError
from widget_server.validation import normalize_origin
from widget_server.widget.assets import BundleCache, js_root
from widget_server.widget.prebuilt import PrebuiltAssets

bp = Blueprint("widget", __name__, url_prefix="/v1")


def _bundles() -> BundleCache:
    return current_app.extensions["dots.bundles"]


def _panel_page(
    brand_slug: str, mode: str, parent_origin: str, policy: str, nonce: str
) -> Response:
    """The panel's HTML in ``mode`` ("frame" or "page") under ``policy``; never cached."""
    bundle = _bundles().get()
    templates: jinja2.Environment = current_app.extensions["dots.panel_templates"]
    html = templates.get_template("panel.html").render(
        brand_slug=brand_slug,
        mode=mode,
        parent_origin=parent_origin,
        widget_origin=request.host_url.rstrip("/"),
        script_url=bundle.panel_script_path,
        style_url=bundle.panel_style_path,
        nonce=nonce,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = policy
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.no_store = True
    return response


@bp.get("/panel")
def panel() -> Response:
    """The request panel page, framed by the overlay on one of the brand's stores."""
    brand = get_brand(request.args.get("brand", ""))
    try:
        parent_origin = normalize_origin(request.args.get("origin", ""))
    except ValueError:
        parent_origin = ""
    if parent_origin not in brand.allowed_origins:
        raise ApiError(400, "origin_not_allowed", "The panel can only open on the brand's store.")
    nonce = secrets.token_urlsafe(16)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "connect-src 'self'; img-src https: http: data:; font-src 'self'; "
        f"frame-ancestors {parent_origin}; base-uri 'none'; form-action 'none'"
    )
    return _panel_page(brand.slug, "frame", parent_origin, policy, nonce)


@bp.get("/me/<slug>")
def my_requests(slug: str) -> Response:
    """The influencer's own "My requests" page, for any device (the panel's code, "page" mode).

    Reached by the link in their emails with the token in the fragment,
    which the browser never sends here: the page's script reads it, takes
    it out of the address bar, and calls the API with it like the panel.
    Nothing here depends on who asks, so the page holds nothing personal.
    """
    brand = get_brand(slug)
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src https: http: data:; font-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return _panel_page(brand.slug, "page", "", policy, "")


def init_app(app: Flask) -> None:
    """Register the routes and the bundle cache."""
    watch = bool(app.debug or app.config.get("DEMO"))
    app.extensions["dots.bundles"] = BundleCache(js_root(), watch=watch)
    # The panel template ships with the browser code, outside Flask's templates.
    app.extensions["dots.panel_templates"] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(js_root() / "panel")),
        autoescape=True,
        auto_reload=watch,
    )
    app.register_blueprint(bp)
    # Registered before ProxyFix wraps the app (create_app's order): the
    # scheme it reads for HSTS is then the one the proxy saw.
    public_https = str(app.config.get("PUBLIC_URL") or "").startswith("https://")
    app.wsgi_app = PrebuiltAssets(app.wsgi_app, app.extensions["dots.bundles"], public_https)  # type: ignore[method-assign]
