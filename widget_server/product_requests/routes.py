"""``/v1/requests``: send, list mine, withdraw; ``/v1/panel/profile`` for the panel."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError

from widget_server.errors import ApiError, ValidationFailed, flatten_messages
from widget_server.influencers.auth import authenticate_link
from widget_server.openapi import WIDGET_CALL, DotsBlueprint, answers
from widget_server.product_requests.lifecycle import submit_content
from widget_server.product_requests.schemas import (
    CONTENT_BODY,
    BrandBody,
    BrandQuery,
    ContentIn,
    MyRequestsOut,
    ProfileOut,
    RequestIn,
    RequestOut,
)
from widget_server.product_requests.services import (
    create_request,
    requests_of,
    saved_addresses,
    withdraw_request,
)
from widget_server.product_requests.uploads import MAX_UPLOAD_BODY, read_screenshots
from widget_server.ratelimit import PER_IP_READ, limit_writes, limiter
from widget_server.validation import LARGER_BODIES, StrictSchema

blp = DotsBlueprint("requests", __name__, url_prefix="/v1", description="Product requests")

# Screenshots make the content endpoint's body larger than any other's.
LARGER_BODIES["requests.ContentView"] = MAX_UPLOAD_BODY

IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,100}")


def _load(schema: type[StrictSchema], data: Any) -> dict[str, Any]:
    """``data`` loaded by ``schema``, or the API's 422 (for bodies read by the view itself)."""
    if data is None:
        raise ApiError(400, "bad_body", "Send a JSON object, or a multipart form.")
    try:
        return schema().load(data)
    except ValidationError as invalid:
        raise ValidationFailed(flatten_messages(invalid.messages)) from None


def _idempotency_key() -> str | None:
    """The ``Idempotency-Key`` header: 1-100 visible ASCII characters (it is stored)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key must be 1-100 visible ASCII characters, like a UUID.",
        )
    return key


@blp.route("/requests")
class RequestsView(MethodView):
    @limit_writes
    @blp.arguments(RequestIn)
    @blp.response(201, RequestOut)
    @answers(blp, *WIDGET_CALL, 409, idempotency_key=True)
    def post(self, body: dict[str, Any]) -> Any:
        """Send a product request (from the panel, or the brand's store page).

        Titles, variants and prices come from the synced catalog, never from
        the client. ``shipping_address`` is an address, or
        ``{"use_saved": "this_store" | "another_store"}`` to ship to one given
        before (422 when there is none). Retrying with the same
        ``Idempotency-Key`` returns the first result.
        """
        link = authenticate_link(body["brand"], write=True)
        product_request, _replayed = create_request(link, body, _idempotency_key())
        return product_request


@blp.route("/requests/<int:request_id>/withdraw")
class WithdrawView(MethodView):
    @limit_writes
    @blp.arguments(BrandBody)
    @blp.response(200, RequestOut)
    @answers(blp, *WIDGET_CALL, 409)
    def post(self, body: dict[str, Any], request_id: int) -> Any:
        """Withdraw a pending request (from the panel or the brand's store page).

        The brand is emailed. 404 for a request that is not this
        influencer's at this brand; 409 ``already_<status>`` when it is no
        longer pending.
        """
        link = authenticate_link(body["brand"], write=True)
        return withdraw_request(link, request_id)


@blp.route("/requests/<int:request_id>/content")
class ContentView(MethodView):
    @limit_writes
    @blp.doc(requestBody=CONTENT_BODY)
    @blp.response(200, RequestOut)
    @answers(blp, *WIDGET_CALL, 409, 413)
    def post(self, request_id: int) -> Any:
        """Send the evidence of the posts made for a delivered request (``content_submitted``).

        JSON ``{brand, urls}`` (from the store's page or the panel), or
        ``multipart/form-data`` with ``brand``, ``urls`` (repeated) and up to
        5 ``screenshots`` (PNG, JPEG, WebP or GIF by their bytes, 5 MB each)
        from the panel only. At least one URL or screenshot. The brand is
        emailed, and accepts the content or asks for changes. 400
        ``bad_screenshot`` / ``too_many_screenshots`` naming the file; 404
        for a request that is not this influencer's at this brand; 409
        ``wrong_status`` when it is not delivered (or content is already in).
        """
        if request.mimetype == "multipart/form-data":
            form = request.form
            body = _load(ContentIn, {"brand": form.get("brand"), "urls": form.getlist("urls")})
            link = authenticate_link(body["brand"], panel_only=True, write=True)
            screenshots = read_screenshots(request.files.getlist("screenshots"))
        else:
            body = _load(ContentIn, request.get_json(silent=True))
            link = authenticate_link(body["brand"], write=True)
            screenshots = []
        return submit_content(link, request_id, body["urls"], screenshots)


@blp.route("/requests/mine")
class MyRequestsView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(BrandQuery, location="query")
    @blp.response(200, MyRequestsOut)
    @answers(blp, *WIDGET_CALL)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """This influencer's requests at this brand, newest first (no address).

        A preview (the brand checking its install) has none.
        """
        link = authenticate_link(query["brand"])
        requests = [] if link.preview else requests_of(link)
        return {"currency": link.brand.currency, "requests": requests}


@blp.route("/panel/profile")
class ProfileView(MethodView):
    decorators = [limiter.limit(PER_IP_READ)]

    @blp.arguments(BrandQuery, location="query")
    @blp.response(200, ProfileOut)
    @answers(blp, *WIDGET_CALL)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The influencer as the panel shows them: name, handles, saved addresses as city, country.

        No email and no street address: a link token can be replayed by
        anyone who read it. Not CORS-enabled (the panel calls it from the
        widget's own origin), which keeps store pages from reading it in a
        browser; it is not what protects personal data.
        """
        link = authenticate_link(query["brand"], panel_only=True)
        if link.preview:
            return {**link.shown_influencer, "saved_address": None, "another_store_address": None}
        influencer = link.influencer
        return {"name": influencer.name, "handles": influencer.handles, **saved_addresses(link)}
