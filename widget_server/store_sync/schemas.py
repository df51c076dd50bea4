"""What the store sends (order, shipment, delivery) and what it gets back."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from widget_server.product_requests.states import STATUSES
from widget_server.validation import HttpUrl, StrictSchema

URL = validate.Length(max=2000)


class OrderIn(StrictSchema):
    order_number = fields.String(required=True, validate=validate.Length(1, 100))
    order_url = HttpUrl(load_default=None, allow_none=True, validate=URL)


class ShipmentIn(StrictSchema):
    carrier = fields.String(required=True, validate=validate.Length(1, 100))
    tracking_number = fields.String(required=True, validate=validate.Length(1, 100))
    tracking_url = HttpUrl(load_default=None, allow_none=True, validate=URL)


class DeliveredIn(StrictSchema):
    """No fields: the call itself says the parcel arrived."""


class StoreRequestOut(Schema):
    """Where a request stands, as the store needs it."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    order_number = fields.String(allow_none=True)
    order_url = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    tracking_url = fields.String(allow_none=True)
    shipped_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    content_due_at = fields.AwareDateTime(allow_none=True)
