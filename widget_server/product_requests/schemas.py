"""Schemas of the request API: what the panel sends, what the widget reads."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from widget_server.product_requests.models import ProductRequest
from widget_server.product_requests.states import effective_status
from widget_server.validation import COUNTRY, ID, PLATFORMS, SLUG, HttpUrl, StrictSchema

CONTENT_TYPES = ("post", "story", "reel", "video", "blog", "other")
MAX_LINKS = 5
MAX_QUANTITY = 10
#: A brand accepts at most 100 items per request (its ``max_items``), each a
#: different product: more entries than that can never be a valid request.
MAX_ITEMS = 100


class ItemIn(StrictSchema):
    variant_id = fields.Integer(required=True, strict=True, validate=ID)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, MAX_QUANTITY))


class ProposalIn(StrictSchema):
    content_types = fields.List(
        fields.String(validate=validate.OneOf(CONTENT_TYPES)),
        required=True,
        validate=validate.Length(
            1, len(CONTENT_TYPES), error=f"Pick 1 to {len(CONTENT_TYPES)} kinds of content."
        ),
    )
    platforms = fields.List(
        fields.String(validate=validate.Length(1, 32)),
        required=True,
        validate=validate.Length(1, len(PLATFORMS), error=f"Pick 1 to {len(PLATFORMS)} platforms."),
    )
    publish_on = fields.Date(required=True)
    message = fields.String(required=True, validate=validate.Length(1, 2000))
    links = fields.List(
        HttpUrl(validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=MAX_LINKS, error=f"At most {MAX_LINKS} links."),
    )


class AddressIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    line1 = fields.String(required=True, validate=validate.Length(1, 200))
    line2 = fields.String(load_default="", validate=validate.Length(max=200))
    city = fields.String(required=True, validate=validate.Length(1, 100))
    region = fields.String(load_default="", validate=validate.Length(max=100))
    postal_code = fields.String(required=True, validate=validate.Length(1, 20))
    country = fields.String(required=True, validate=COUNTRY)
    phone = fields.String(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()\-. ]{0,40}$", error="Use digits, spaces and + - ( )."),
    )

    @pre_load
    def upper_country(self, data: object, **_kwargs: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            return {**data, "country": data["country"].strip().upper()}
        return data


class RequestIn(StrictSchema):
    """Body of ``POST /v1/requests``."""

    brand = fields.String(required=True, validate=SLUG)
    items = fields.List(
        fields.Nested(ItemIn),
        required=True,
        validate=validate.Length(
            1, MAX_ITEMS, error=f"Pick at least one product, and at most {MAX_ITEMS}."
        ),
    )
    proposal = fields.Nested(ProposalIn, required=True)
    shipping_address = fields.Nested(AddressIn, required=True)


class BrandQuery(StrictSchema):
    """``?brand=SLUG`` of the widget's GET calls."""

    brand = fields.String(required=True, validate=SLUG)


class ItemOut(Schema):
    product_handle = fields.String()
    product_title = fields.String()
    variant_title = fields.String()
    image_url = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price_minor = fields.Integer()


class RequestOut(Schema):
    """A request as the influencer sees it (no address: the host page may read it)."""

    id = fields.Integer()
    status = fields.Method("_status")
    submitted_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    currency = fields.String()
    total_minor = fields.Integer()
    items = fields.List(fields.Nested(ItemOut))

    def _status(self, request: ProductRequest) -> str:
        return effective_status(request)


class MyRequestsOut(Schema):
    currency = fields.String()
    requests = fields.List(fields.Nested(RequestOut))


class ProfileOut(Schema):
    """What only the panel (widget origin) may read."""

    name = fields.String()
    email = fields.String()
    handles = fields.List(fields.Dict())
    last_shipping_address = fields.Dict(allow_none=True)
