"""Dots widget server: product requests from influencers on a brand's own store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from widget_server.config import default_database_url, load_settings, resolve_secret_key


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: ``DOTS_*`` settings, then ``overrides`` (tests)."""
    settings = load_settings(overrides)
    instance_path = settings.pop("INSTANCE_PATH", None) or os.environ.get("DOTS_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path and os.path.abspath(instance_path))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings)
    app.config["SECRET_KEY"] = resolve_secret_key(settings, Path(app.instance_path), app.debug)
    app.config["DATABASE_URL"] = settings["DATABASE_URL"] or default_database_url(
        Path(app.instance_path)
    )

    from widget_server import (
        api,
        cli,
        compression,
        cors,
        db,
        errors,
        headers,
        ratelimit,
        validation,
    )
    from widget_server.catalog.routes import blp as catalog_blp
    from widget_server.influencers.routes import blp as session_blp
    from widget_server.invitations import init_app as invitations_init_app
    from widget_server.messages.routes import blp as messages_blp
    from widget_server.product_requests.routes import blp as requests_blp
    from widget_server.ratings.routes import blp as ratings_blp
    from widget_server.review import routes as review_routes
    from widget_server.store_sync.routes import blp as store_blp
    from widget_server.widget import routes as widget_routes

    validation.init_app(app)  # first: routes pick their URL converters when registered
    db.init_app(app)
    widget_routes.init_app(app)  # before ProxyFix (ratelimit) wraps its asset server
    ratelimit.init_app(app)
    api.init_app(
        app, [session_blp, catalog_blp, requests_blp, messages_blp, ratings_blp, store_blp]
    )
    invitations_init_app(app)  # before the review site: its pages nest in it
    review_routes.init_app(app)
    errors.init_app(app)  # after flask-smorest, so the one error shape wins
    cors.init_app(app)
    headers.init_app(app)
    compression.init_app(app)
    cli.init_app(app)
    return app
