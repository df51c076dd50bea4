"""``POST /v1/session`` (who is this influencer) and ``POST /v1/panel/handles`` (their accounts)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from widget_server.catalog.lookup import products_answer
from widget_server.influencers.auth import authenticate_link
from widget_server.influencers.schemas import (
    HandlesOut,
    SessionRequest,
    SessionResponse,
    StatedHandleIn,
)
from widget_server.influencers.services import state_handle
from widget_server.influencers.start import link_answer, start
from widget_server.openapi import WIDGET_CALL, DotsBlueprint, answers
from widget_server.ratelimit import PER_IP_READ, limit_writes, limiter

blp = DotsBlueprint(
    "session", __name__, url_prefix="/v1", description="Influencer session and profile"
)


@blp.route("/session")
class SessionView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(SessionRequest)
    @blp.response(200, SessionResponse)
    @answers(blp, *WIDGET_CALL)
    def post(self, body: dict[str, Any]) -> Response:
        """Check a link token; say who the influencer is, and what this page's products are.

        ``keys`` are the product keys the page shows (at most 200): the answer
        holds the products they name (dot shape; full shape for the handles in
        ``full``), which key named which, and the status of the influencer's
        newest request per product. A preview token (the brand checking its
        install) gets ``preview: true``, ``misses`` and ``diagnostics``.

        Send ``Authorization: Bearer <token>`` from a page on one of the
        brand's store origins. 401 for a bad, expired or revoked token; 403
        for another brand's token or a foreign origin. The ``message`` of a
        refusal speaks in the brand's name and may be shown as it is.
        """
        visitor = authenticate_link(body["brand"], statuses=True)
        answer = start(visitor, body["keys"], body["full"])
        if visitor.preview:
            return products_answer(SessionResponse, answer)
        return jsonify(link_answer(answer))


@blp.route("/panel/handles")
class HandlesView(MethodView):
    @limit_writes
    @blp.arguments(StatedHandleIn)
    @blp.response(201, HandlesOut)
    @answers(blp, *WIDGET_CALL)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add a social account the influencer states (or update its followers).

        For the panel only (widget origin): an influencer with no account on
        file can still send a request. The brand sees the account marked
        "stated by the influencer" with the date.
        """
        link = authenticate_link(body.pop("brand"), panel_only=True, write=True)
        state_handle(link.influencer, body)
        return {"handles": link.influencer.handles}
