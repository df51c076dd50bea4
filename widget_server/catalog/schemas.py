"""Output schemas for the catalog (CLI ``catalog show`` and ``GET /v1/catalog``).

Prices are integer minor units; the currency is given once, beside the list.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from flask import request
from marshmallow import Schema, fields, pre_load, validate

from widget_server.catalog.keys import KINDS, MAX_KEY_VALUE
from widget_server.validation import SLUG, ShownText, StrictSchema

#: At most this many keys per call, and handles asked for in the full shape.
MAX_KEYS = 200
MAX_FULL = 50
MAX_HANDLE = 255


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


class DotProductOut(Schema):
    """The dot shape of the product lookup: what a dot and its card need, no variants.

    ``price_minor`` is the cheapest available variant's price.
    """

    handle = fields.String()
    title = ShownText()
    url = fields.String()
    image_url = fields.String(allow_none=True)
    over_limit = fields.Boolean()
    price_minor = fields.Integer(allow_none=True)


class LookupVariantOut(Schema):
    """A variant in the full shape: the catalog ``id`` requests name, the store's own id."""

    id = fields.Integer()
    store_id = fields.String()
    title = ShownText()
    option_values = fields.List(ShownText())
    price_minor = fields.Integer()
    available = fields.Boolean()
    image_url = fields.String(allow_none=True)


class FullProductOut(DotProductOut):
    """The full shape: the dot shape plus options and active variants (to pick one)."""

    option_names = fields.List(ShownText())
    variants = fields.List(fields.Nested(LookupVariantOut))


class LookupProductOut(FullProductOut):
    """One product of a lookup's answer: the dot shape, or the full one when asked.

    The lookup dumps each product with :class:`DotProductOut` or
    :class:`FullProductOut`; dumping that dict again here leaves out the
    fields a dot-shape product does not have.
    """


class LookupOut(Schema):
    """Answer of ``GET /v1/products``: what the store's own pages show, the same for everyone."""

    catalog_version = fields.String()
    products = fields.List(fields.Nested(LookupProductOut))
    matches = fields.Dict(keys=fields.String(), values=fields.String())


#: ``<kind>:<value>``, the value 1 to 300 characters (docs/widget-protocol.md, "Product keys").
PRODUCT_KEY = validate.Regexp(
    rf"^[{''.join(KINDS)}]:[\s\S]{{1,{MAX_KEY_VALUE}}}$",
    error=(
        f"A product key is <kind>:<value>, kind one of {', '.join(KINDS)}, "
        f"the value 1 to {MAX_KEY_VALUE} characters."
    ),
)


def product_keys() -> fields.List:
    """The ``keys`` field: at most 200 product keys (docs/widget-protocol.md, "Product keys")."""
    return fields.List(
        fields.String(validate=PRODUCT_KEY),
        load_default=list,
        validate=validate.Length(max=MAX_KEYS, error=f"At most {MAX_KEYS} keys per call."),
        metadata={"description": "Product keys read off the page: u:, h:, s:, k:, g:, n:."},
    )


def full_handles() -> fields.List:
    """The ``full`` field: handles of the products wanted with their variants."""
    return fields.List(
        fields.String(validate=validate.Length(1, MAX_HANDLE)),
        load_default=list,
        validate=validate.Length(max=MAX_FULL, error=f"At most {MAX_FULL} handles per call."),
        metadata={"description": "Handles of products wanted in the full shape (variants)."},
    )


def raw_query_list(name: str) -> list[str]:
    """A comma-joined query parameter, split at its literal commas, then each part decoded.

    Clients send ``keys.map(encodeURIComponent).join(",")``: a comma inside a
    value arrives as ``%2C`` and only the separators are literal, so the split
    must happen before percent-decoding (which Flask's ``request.args`` has
    already done). Repeated parameters (``keys=a&keys=b``) are joined.
    """
    parts: list[str] = []
    for pair in request.query_string.decode("latin-1").split("&"):
        key, _, value = pair.partition("=")
        if unquote(key.replace("+", " ")) != name or value == "":
            continue
        parts.extend(unquote(part.replace("+", " "), errors="replace") for part in value.split(","))
    return parts


class ProductsQuery(StrictSchema):
    """Query of ``GET /v1/products``: the brand, the catalog version known, keys and handles."""

    brand = fields.String(required=True, validate=SLUG)
    v = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "The catalog_version the client has (for caching)."},
    )
    keys = product_keys()
    full = full_handles()

    @pre_load
    def check_text(self, data: Any, **kwargs: Any) -> Any:
        """Split ``keys`` and ``full`` at their literal commas, then check text as usual."""
        if hasattr(data, "keys"):
            data = {name: data[name] for name in data}
            for name in ("keys", "full"):
                if name in data:
                    data[name] = raw_query_list(name)
        return super().check_text(data, **kwargs)
