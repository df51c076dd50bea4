"""Input schemas for brands and their users."""

from __future__ import annotations

from marshmallow import fields, pre_load, validate

from widget_server.validation import CURRENCY, SLUG, Origin, StrictSchema

#: A brand's store answers on a few origins (www, a staging shop), not hundreds.
MAX_ORIGINS = 20


class BrandInput(StrictSchema):
    """A brand as created or updated from the CLI (``partial=True`` for updates)."""

    @pre_load
    def upper_currency(self, data: object, **_kwargs: object) -> object:
        """``usd`` means USD."""
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            return {**data, "currency": data["currency"].strip().upper()}
        return data

    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    allowed_origins = fields.List(
        Origin(validate=validate.Length(max=300)),
        required=True,
        validate=validate.Length(1, MAX_ORIGINS),
    )
    notify_email = fields.Email(required=True, validate=validate.Length(max=320))
    currency = fields.String(validate=CURRENCY)
    expiry_days = fields.Integer(validate=validate.Range(1, 365))
    max_items = fields.Integer(validate=validate.Range(1, 100))
    content_days = fields.Integer(validate=validate.Range(1, 365))
    #: Seconds an approval can be undone before its email goes (None: the server's default).
    approval_undo_seconds = fields.Integer(allow_none=True, validate=validate.Range(0, 3600))
    #: Days after completion the metrics survey is emailed (0: never).
    survey_days = fields.Integer(validate=validate.Range(0, 60))
    max_value = fields.Decimal(validate=validate.Range(0, min_inclusive=False), as_string=True)


class BrandUserInput(StrictSchema):
    """A person who signs in for a brand."""

    STRIP_TEXT = False  # spaces around a password are part of it

    email = fields.Email(required=True, validate=validate.Length(max=320))
    password = fields.String(
        required=True,
        validate=[
            validate.Length(min=10, error="Use a password of at least 10 characters."),
            validate.Length(max=1000, error="Use a password of at most 1,000 characters."),
        ],
    )
