"""Schemas for influencers, their handles and the session endpoint."""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from widget_server.catalog.schemas import LookupProductOut, full_handles, product_keys
from widget_server.validation import (
    COUNTRY,
    MAX_FOLLOWERS,
    PLATFORMS,
    SLUG,
    ShownText,
    StrictSchema,
)

#: An influencer has an account or two per platform, not hundreds.
MAX_HANDLES = 20


class HandleSchema(StrictSchema):
    """One social account: platform, handle (without @) and follower count.

    ``stated_at`` (output only) is when the influencer stated it themselves;
    null when the brand or an operator entered it.
    """

    platform = fields.String(
        required=True,
        validate=validate.OneOf(PLATFORMS, error="Unknown platform; use one of {choices}."),
    )
    handle = fields.String(required=True, validate=validate.Length(1, 100))
    followers = fields.Integer(
        required=True, strict=True, validate=validate.Range(0, MAX_FOLLOWERS)
    )
    stated_at = fields.AwareDateTime(dump_only=True, allow_none=True)

    @pre_load
    def normalize(self, data: object, **_kwargs: object) -> object:
        """Platforms are lowercase; handles are kept without a leading @."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("platform"), str):
            data["platform"] = data["platform"].strip().lower()
        if isinstance(data.get("handle"), str):
            data["handle"] = data["handle"].strip().lstrip("@")
        return data


class InfluencerInput(StrictSchema):
    """An influencer as created from the CLI."""

    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    country = fields.String(validate=COUNTRY, allow_none=True)
    handles = fields.List(
        fields.Nested(HandleSchema),
        load_default=list,
        validate=validate.Length(max=MAX_HANDLES, error=f"At most {MAX_HANDLES} handles."),
    )


class StatedHandleIn(HandleSchema):
    """Body of ``POST /v1/panel/handles``: an account the influencer states."""

    brand = fields.String(required=True, validate=SLUG)


class HandlesOut(Schema):
    """The influencer's accounts after a change."""

    handles = fields.List(fields.Nested(HandleSchema))


class SessionRequest(StrictSchema):
    """Body of ``POST /v1/session``: the brand, and the product keys the page shows."""

    brand = fields.String(required=True, validate=SLUG)
    keys = product_keys()
    full = full_handles()


class PolicySchema(Schema):
    """The brand's request policy, as the overlay needs it."""

    expiry_days = fields.Integer()
    max_items = fields.Integer()
    max_value_minor = fields.Integer()


class SessionBrandSchema(Schema):
    slug = fields.String()
    name = ShownText()
    currency = fields.String()
    policy = fields.Method("_policy")

    def _policy(self, brand: object) -> dict:
        return PolicySchema().dump(brand)


class SessionInfluencerSchema(Schema):
    """Only what the host page may see: no email, no address."""

    name = ShownText()
    handles = fields.List(fields.Nested(HandleSchema))


class DiagnosticsSchema(Schema):
    """A preview's install check: is the calling page on one of the brand's origins?"""

    origin_allowed = fields.Boolean()
    origin = fields.String(allow_none=True)
    origins = fields.List(fields.String())


class SessionResponse(Schema):
    """Answer of ``POST /v1/session``: who, the products on this page, and their statuses.

    ``statuses`` (links only): product handle -> status of the newest request
    naming it. ``misses`` and ``diagnostics``: previews only.
    """

    influencer = fields.Nested(SessionInfluencerSchema)
    brand = fields.Nested(SessionBrandSchema)
    link_expires_at = fields.AwareDateTime()
    catalog_version = fields.String()
    products = fields.List(fields.Nested(LookupProductOut))
    matches = fields.Dict(keys=fields.String(), values=fields.String())
    statuses = fields.Dict(keys=fields.String(), values=fields.String())
    preview = fields.Boolean()
    misses = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["excluded", "sold_out", "inactive"])),
    )
    diagnostics = fields.Nested(DiagnosticsSchema)
