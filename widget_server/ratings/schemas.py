"""The rating a person sends (both sides) and how the influencer's API shows one."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from widget_server.ratings.models import INFLUENCER, MAX_COMMENT, MAX_STARS, MIN_STARS
from widget_server.validation import SLUG, ShownText, StrictSchema

STARS_ERROR = f"Give {MIN_STARS} to {MAX_STARS} stars."


class RatingFields(StrictSchema):
    """Stars and an optional comment: the rules of both sides' ratings."""

    stars = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(MIN_STARS, MAX_STARS, error=STARS_ERROR),
        error_messages={"invalid": STARS_ERROR, "required": STARS_ERROR},
    )
    comment = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=MAX_COMMENT, error=f"Keep the comment to {MAX_COMMENT:,} characters."
        ),
    )


class RatingIn(RatingFields):
    """Body of ``POST /v1/requests/<id>/rating``: the brand whose store this is, stars, comment."""

    brand = fields.String(required=True, validate=SLUG)


class RatingOut(Schema):
    """A rating as the influencer's API shows it: no one's email."""

    stars = fields.Integer()
    comment = ShownText(allow_none=True)
    rated_at = fields.AwareDateTime(attribute="created_at")


class InfluencerRating(fields.Nested):
    """The influencer's own rating of a request (``RequestOut.my_rating``), or null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(RatingOut, allow_none=True, **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj.rating_by(INFLUENCER)
