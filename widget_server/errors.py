"""One error shape for every JSON error the server returns.

``{"status": 404, "error": "not_found", "message": "...", "errors": {...}}``:
``error`` is a stable snake_case reason a client can branch on, ``message`` a
sentence for people, and ``errors`` (validation only, status 422) maps each
field to its messages.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(HTTPException):
    """An HTTP error with a stable reason code, raised anywhere below a view."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error = error
        self.errors = errors
        self.extra_headers = headers or {}


class ValidationFailed(ApiError):
    """Input that fails validation: 422 with field messages."""

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(422, "validation_failed", message or "The input is not valid.", errors)


#: Errors that mean "the database cannot be used right now", not "this request is wrong".
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def database_unavailable(exc: BaseException) -> ApiError:
    """Log what went wrong with the database; return the 503 clients see.

    The answer says nothing about hosts, ports, drivers or files: those
    are for the operator's log, not for whoever asked.
    """
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
    log.error("database unavailable: %s: %s", type(exc).__name__, detail[:1000])
    return ApiError(
        503,
        "database_unavailable",
        "The service cannot reach its database right now; try again shortly.",
        headers={"Retry-After": "5"},
    )


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"items.0.variant_id": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in flatten_messages(value, path).items():
                flat.setdefault(field, []).extend(texts)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def error_payload(exc: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Build the body, status and headers for any HTTP exception."""
    status = exc.code or 500
    headers: dict[str, str] = dict(getattr(exc, "extra_headers", {}))
    body: dict[str, Any] = {
        "status": status,
        "error": getattr(exc, "error", None) or _snake(exc.name),
        "message": exc.description or exc.name,
    }
    errors = getattr(exc, "errors", None)
    data = getattr(exc, "data", None)  # webargs puts validation messages here
    if errors is None and isinstance(data, dict) and "messages" in data:
        # webargs nests messages by location ({"json": {...}}); clients only
        # need the field path.
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        errors = flatten_messages(messages)
        headers.update(data.get("headers") or {})
    if status == 422:
        if not isinstance(exc, ApiError):  # webargs' own 422 carries no reason of ours
            body["error"], body["message"] = "validation_failed", "The input is not valid."
        body["errors"] = errors or {}
    elif errors:
        body["errors"] = errors
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return body, status, headers


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    """Render any :class:`HTTPException` in the one error shape."""
    body, status, headers = error_payload(exc)
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    """A bug: log it with its traceback, answer 500 without details."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, DATABASE_DOWN):
        return handle_http_exception(database_unavailable(exc))
    log.exception("unhandled error", exc_info=exc)
    return handle_http_exception(
        ApiError(500, "internal_error", "Something went wrong on our side; it has been logged.")
    )


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest, so ours win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
