"""Northwind Supply: a small fake brand web store used to demo and end-to-end test Dots.

The store pastes the Dots widget script tag into its pages exactly as a brand would, and offers
several deliberately awkward page variants (client-side navigation, infinite scroll, hostile
CSS, a strict Content-Security-Policy, a doubled script tag) for the overlay to cope with.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "DEMO_STORE_WIDGET_URL": "http://127.0.0.1:5000",
    "DEMO_STORE_BRAND": "demo",
    "DEMO_STORE_PRODUCT_COUNT": 24,
    "DEMO_STORE_NAME": "Northwind Supply",
    # The gift orders' end of Dots (see demo_store.gifts).
    "DEMO_STORE_DOTS_API_URL": None,
    "DEMO_STORE_API_KEY": "",
    "DEMO_STORE_WEBHOOK_SECRET": "",
    "DEMO_STORE_DB": None,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the store app.

    Settings come from, in order of precedence: ``config``, the environment variables of the
    same name (``DEMO_STORE_WIDGET_URL``, ``DEMO_STORE_BRAND``, ``DEMO_STORE_PRODUCT_COUNT``),
    then ``DEFAULTS``.
    """
    app = Flask(__name__)
    for key, default in DEFAULTS.items():
        app.config[key] = os.environ.get(key, default)
    app.config.update(config or {})
    # The widget URL is joined with "/v1/dots.js"; a trailing slash would double it.
    app.config["DEMO_STORE_WIDGET_URL"] = str(app.config["DEMO_STORE_WIDGET_URL"]).rstrip("/")
    app.config["DEMO_STORE_PRODUCT_COUNT"] = int(app.config["DEMO_STORE_PRODUCT_COUNT"])
    app.config["DEMO_STORE_DOTS_API_URL"] = (
        app.config["DEMO_STORE_DOTS_API_URL"] or app.config["DEMO_STORE_WIDGET_URL"]
    )

    # Shopify's feed keeps its natural key order and emits raw UTF-8; match it.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from .gifts import bp as gifts_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(gifts_bp)
    return app
