"""The brand's rating form on the request page (Flask-WTF: CSRF, then the API's own rules)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import RadioField, SelectChoice, TextAreaField

from widget_server.errors import flatten_messages
from widget_server.ratings.models import MAX_STARS, MIN_STARS
from widget_server.ratings.schemas import RatingFields

#: The radio labels people see: the number and what it means.
STAR_LABELS = {1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent"}


class RatingForm(FlaskForm):
    stars = RadioField(
        "Stars",
        choices=[
            SelectChoice(str(n), f"{n} star{'' if n == 1 else 's'}: {STAR_LABELS[n]}")
            for n in range(MIN_STARS, MAX_STARS + 1)
        ],
        validate_choice=False,  # the schema below says what is wrong, in the API's words
    )
    comment = TextAreaField("Comment (optional)")

    def rating(self) -> tuple[dict[str, Any] | None, list[str]]:
        """The checked ``{stars, comment}`` (the API's rules), or the problems."""
        if not self.validate():
            return None, [m for messages in self.errors.values() for m in messages]
        data: dict[str, Any] = {"comment": self.comment.data or None}
        if self.stars.data:  # none chosen: the schema's "required" says what to do
            text = str(self.stars.data)
            data["stars"] = int(text) if text.isdecimal() else text
        try:
            return RatingFields().load(data), []
        except ValidationError as exc:
            return None, [m for ms in flatten_messages(exc.messages).values() for m in ms]
