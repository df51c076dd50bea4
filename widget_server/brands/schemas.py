"""Input schemas for brands and their users."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, pre_load, validate

from widget_server.validation import CURRENCY, SLUG, Origin


class BrandInput(Schema):
    """A brand as created or updated from the CLI (``partial=True`` for updates)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def upper_currency(self, data: dict, **_kwargs: object) -> dict:
        """``usd`` means USD."""
        if isinstance(data.get("currency"), str):
            return {**data, "currency": data["currency"].strip().upper()}
        return data

    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    allowed_origins = fields.List(Origin(), required=True, validate=validate.Length(min=1))
    notify_email = fields.Email(required=True)
    currency = fields.String(validate=CURRENCY)
    expiry_days = fields.Integer(validate=validate.Range(1, 365))
    max_items = fields.Integer(validate=validate.Range(1, 100))
    max_value = fields.Decimal(validate=validate.Range(0, min_inclusive=False), as_string=True)


class BrandUserInput(Schema):
    """A person who signs in for a brand."""

    email = fields.Email(required=True)
    password = fields.String(
        required=True,
        validate=validate.Length(min=10, error="Use a password of at least 10 characters."),
    )
