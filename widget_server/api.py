"""The JSON API: flask-smorest, the OpenAPI document and the health check."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from widget_server.db import session
from widget_server.errors import database_unavailable
from widget_server.openapi import ANY_REQUEST, DotsApi, DotsBlueprint, answers, init_spec

health_blp = DotsBlueprint("health", __name__, url_prefix="/v1", description="Health")


class HealthOut(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)


@health_blp.route("/health")
class HealthView(MethodView):
    @health_blp.response(200, HealthOut)
    @answers(health_blp, *ANY_REQUEST, 503, link_token=False)
    def get(self) -> dict[str, Any]:
        """Is the server up, and can it reach its database?"""
        try:
            session.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not healthy"; the log says which
            raise database_unavailable(exc) from None
        return {"status": "ok", "database": "ok"}


def init_app(app: Flask, blueprints: list[Blueprint]) -> Api:
    """Register every API blueprint; the OpenAPI document is /v1/openapi.json."""
    app.config.setdefault("API_TITLE", "Dots widget API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = DotsApi(app)
    init_spec(api)
    for blueprint in [health_blp, *blueprints]:
        api.register_blueprint(blueprint)
    return api
