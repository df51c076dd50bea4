"""The influencer's side of a thread, as the widget API reads and writes it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load

from widget_server.messages import rules
from widget_server.product_requests.models import RequestMessage
from widget_server.product_requests.schemas import BrandBody
from widget_server.validation import ShownText


class MessageIn(BrandBody):
    """``{brand, body}``: 1 to 2,000 characters after trimming; line breaks kept."""

    body = fields.String(
        required=True,
        metadata={"description": f"The message: 1 to {rules.MAX_BODY:,} characters, no controls."},
    )

    @post_load
    def check_body(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        body = rules.normalize(data["body"])
        if problem := rules.problem(body):
            raise ValidationError({"body": [problem]})
        return {**data, "body": body}


class MessageOut(Schema):
    """One message as the influencer sees it: a side, never a reviewer's email."""

    id = fields.Integer()
    side = fields.String(metadata={"enum": list(rules.SIDES)})
    body = ShownText()
    at = fields.AwareDateTime(attribute="created_at")


class ThreadOut(Schema):
    request_id = fields.Integer()
    open = fields.Boolean(
        metadata={"description": "False once the request ended more than 30 days ago."}
    )
    unread_before = fields.Integer(
        metadata={"description": "How many of the brand's messages were unread before this call."}
    )
    messages = fields.List(fields.Nested(MessageOut), metadata={"description": "Oldest first."})


def thread_answer(
    request_id: int, messages: list[RequestMessage], open_: bool, unread: int
) -> dict[str, Any]:
    """The :class:`ThreadOut` body."""
    return {"request_id": request_id, "open": open_, "unread_before": unread, "messages": messages}
