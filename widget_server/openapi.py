"""What ``/v1/openapi.json`` says beyond the schemas: errors, auth, headers.

The document must tell the truth, because clients and the Schemathesis run in
the tests hold the server to it: every error an operation can answer is
declared with the one error shape (:mod:`widget_server.errors`), the link
token is a bearer scheme, and ``Idempotency-Key`` is a documented header. No
catch-all ``default`` response: a status not declared here is a bug.

A view declares its answers with one decorator::

    @blp.route("/requests/<int:request_id>/withdraw")
    class WithdrawView(MethodView):
        @blp.response(200, RequestOut)
        @answers(blp, *WIDGET_CALL)
        def post(self, request_id: int) -> Any: ...
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from widget_server.validation import MAX_CONTENT_LENGTH, MAX_JSON_DEPTH

F = TypeVar("F", bound=Callable[..., Any])

BEARER = "linkToken"
STORE_KEY = "storeApiKey"


class ErrorSchema(Schema):
    """The one error shape every JSON error has (see ``errors.error_payload``)."""

    status = fields.Integer(required=True, metadata={"description": "The HTTP status, again."})
    error = fields.String(
        required=True,
        metadata={"description": "A stable snake_case reason to branch on, e.g. invalid_token."},
    )
    message = fields.String(required=True, metadata={"description": "A sentence for people."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": 'Field path -> messages (422), e.g. "items.0.variant_id".'},
    )


class DotsBlueprint(Blueprint):
    """flask-smorest's Blueprint, with each argument schema built once per view.

    webargs instantiates a schema *class* on every request it parses; an
    instance is used as it is. Every view's arguments go through here, so
    a schema is built when the view is declared, not per call.
    """

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


class DotsApi(Api):
    """flask-smorest's Api with our error shape and no catch-all ``default`` response."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


#: Why each error status is answered (the ``error`` codes a client can branch on).
ERROR_REASONS = {
    400: (
        "bad_request: malformed JSON, JSON nested deeper than "
        f"{MAX_JSON_DEPTH} levels, or a NUL byte in the query string; "
        "bad_idempotency_key; bad_screenshot or too_many_screenshots (the file is named)."
    ),
    401: (
        "missing_token, invalid_token, link_revoked or link_expired; "
        "store calls: missing_api_key or invalid_api_key."
    ),
    403: (
        "origin_not_allowed (not one of the brand's store origins), wrong_brand, "
        "or preview_only (a write with a preview token)."
    ),
    404: "unknown_brand, or no such resource.",
    409: (
        "already_requested: a pending request already holds one of these products; "
        "already_<status> or wrong_status: the request is not where this call needs it; "
        "order_conflict or shipment_conflict: another order or shipment is recorded."
    ),
    413: (
        f"request_entity_too_large: the body is over {MAX_CONTENT_LENGTH:,} bytes "
        "(content with screenshots: over 5 files of 5 MB)."
    ),
    422: "validation_failed (field paths in errors) or idempotency_key_reused.",
    429: "too_many_requests: Retry-After says how many seconds to wait.",
    503: "database_unavailable.",
}

#: Headers of a 429 (the store page can read them: CORS exposes them).
RATE_LIMIT_HEADERS = {
    "Retry-After": {
        "description": "Seconds until the limit resets.",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Limit": {"schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}},
}

#: Answers of any request, whatever its route: the request guards (validation.guard_request).
ANY_REQUEST = (400, 413)
#: Answers of every widget call that names a brand and carries a link token.
WIDGET_CALL = (*ANY_REQUEST, 401, 403, 404, 422, 429)

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Retrying with the same key and body returns the first result (also while the "
        "first attempt is still being stored); the same key with another body is 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[ -~]+$"},
}


def answers(
    blp: Blueprint,
    *statuses: int,
    link_token: bool = True,
    idempotency_key: bool = False,
    store_key: bool = False,
) -> Callable[[F], F]:
    """Declare a view's error answers, its auth and its headers in the document.

    ``statuses`` are the error statuses the view can answer (see ``WIDGET_CALL``);
    each is documented with :class:`ErrorSchema` and the reasons behind it.
    """

    def decorate(view: F) -> F:
        for status in sorted(set(statuses)):
            view = blp.alt_response(
                status,
                schema=ErrorSchema,
                description=f"{HTTPStatus(status).phrase}: {ERROR_REASONS[status]}",
                headers=RATE_LIMIT_HEADERS if status == 429 else None,
            )(view)
        if link_token:
            view = blp.doc(security=[{BEARER: []}])(view)
        if store_key:
            view = blp.doc(security=[{STORE_KEY: []}])(view)
        if idempotency_key:
            view = blp.doc(parameters=[IDEMPOTENCY_KEY])(view)
        return view

    return decorate


def init_spec(api: Api) -> None:
    """Components every operation refers to: the link token's bearer scheme."""
    api.spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The influencer's link token (from #dots= in their link). Calls must also "
                "come from one of the brand's store origins (Origin header), or the panel."
            ),
        },
    )
    api.spec.components.security_scheme(
        STORE_KEY,
        {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The brand's store API key (widget-server brand api-key SLUG), for the "
                "store's own server: never put it in a page."
            ),
        },
    )
