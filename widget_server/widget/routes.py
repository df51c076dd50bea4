"""The loader, the overlay, the request panel (``/v1/panel``) and its page (``/v1/me/<brand>``)."""

from __future__ import annotations

import re
import secrets

import jinja2
from flask import Blueprint, Flask, Response, abort, current_app, request

from widget_server.brands.services import get_brand
from widget_server.errors import ApiError
from widget_server.validation import normalize_origin
from widget_server.widget.assets import Asset, BundleCache, js_root

bp = Blueprint("widget", __name__, url_prefix="/v1")

LOADER_MAX_AGE = 300  # a deploy reaches every store within five minutes
IMMUTABLE_MAX_AGE = 31_536_000
PANEL_ASSET = re.compile(r"panel\.[0-9a-f]{10}\.(js|css)")


def _bundles() -> BundleCache:
    return current_app.extensions["dots.bundles"]


def _serve(asset: Asset, max_age: int, immutable: bool = False) -> Response:
    """Send ``asset`` compressed as the browser accepts, with caching headers."""
    accepted = request.accept_encodings
    if accepted["br"]:
        body, encoding = asset.brotli, "br"
    elif accepted["gzip"]:
        body, encoding = asset.gzip, "gzip"
    else:
        body, encoding = asset.body, None
    response = Response(body, content_type=asset.content_type)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{asset.etag}-{encoding or 'identity'}")
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if immutable:
        response.cache_control.immutable = True
    # Stores that isolate themselves (COEP) may still load the widget.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/dots.js")
def loader() -> Response:
    """The loader brands paste a script tag for."""
    return _serve(_bundles().get().loader, LOADER_MAX_AGE)


@bp.get("/overlay.<fingerprint>.js")
def overlay(fingerprint: str) -> Response:
    """The overlay; immutable under its own fingerprint."""
    bundle = _bundles().get()
    if bundle.overlay_path.endswith(f".{fingerprint}.js"):
        return _serve(bundle.overlay, IMMUTABLE_MAX_AGE, immutable=True)
    # A loader cached before a deploy names an older fingerprint: serve the
    # current overlay, but only briefly, rather than break the page.
    return _serve(bundle.overlay, LOADER_MAX_AGE)


@bp.get("/deferred.<fingerprint>.js")
def deferred(fingerprint: str) -> Response:
    """What the overlay fetches on a first click (or a preview); immutable likewise."""
    bundle = _bundles().get()
    current = bundle.deferred_path.endswith(f".{fingerprint}.js")
    # An overlay from before a deploy asks for an older file: the current one
    # shares its names through CFG.x the same way, so serve it, briefly.
    return _serve(
        bundle.deferred, IMMUTABLE_MAX_AGE if current else LOADER_MAX_AGE, immutable=current
    )


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


@bp.get("/panel/assets/<filename>")
def panel_asset(filename: str) -> Response:
    """The panel's script and stylesheet; immutable under their fingerprints."""
    bundle = _bundles().get()
    if asset := bundle.panel_file(filename):
        return _serve(asset, IMMUTABLE_MAX_AGE, immutable=True)
    match = PANEL_ASSET.fullmatch(filename)
    if not match:
        abort(404)
    # A panel page rendered by another instance during a deploy names another
    # fingerprint: serve the current file, briefly, rather than break the page.
    current = bundle.panel_script if match.group(1) == "js" else bundle.panel_style
    return _serve(current, LOADER_MAX_AGE)


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
