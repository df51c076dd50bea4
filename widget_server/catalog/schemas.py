"""Output schemas for the catalog (CLI ``catalog show`` and ``GET /v1/catalog``).

Prices are integer minor units; the currency is given once, beside the list.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from widget_server.validation import ShownText


class VariantOut(Schema):
    id = fields.Integer()
    store_id = fields.String()
    title = ShownText()
    sku = fields.String(allow_none=True)
    option_values = fields.List(ShownText())
    price_minor = fields.Integer()
    image_url = fields.String(allow_none=True)
    available = fields.Boolean()
    active = fields.Boolean()


class ProductOut(Schema):
    id = fields.Integer()
    store_id = fields.String()
    handle = fields.String()
    title = ShownText()
    url = fields.String()
    image_url = fields.String(allow_none=True)
    option_names = fields.List(ShownText())
    active = fields.Boolean()
    excluded = fields.Boolean()
    over_limit = fields.Boolean()
    variants = fields.List(fields.Nested(VariantOut))


class CatalogOut(Schema):
    brand = fields.String()
    currency = fields.String()
    products = fields.List(fields.Nested(ProductOut))
