"""Forms of the analytics pages: the metrics survey (CSRF) and the period (GET)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from widget_server.money import MAX_MINOR, format_minor, to_minor
from widget_server.review.forms import iso_day

#: Reach and clicks above this are typing mistakes, not collaborations.
MAX_AUDIENCE = 10**12
MAX_ORDERS = 10**7
MAX_NOTES = 2000
#: The longest period the analytics page adds up (about two years).
MAX_PERIOD_DAYS = 731
#: The page's quick choices, and its default.
PRESET_DAYS = (30, 90, 365)
DEFAULT_DAYS = 90


class CountField(IntegerField):
    """A whole number as people write it: ``12,500`` and ``12 500`` are 12500."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).replace(",", "").replace(" ", "").replace("_", "")]
        super().process_formdata(valuelist)


def _count(label: str, most: int) -> CountField:
    return CountField(
        label,
        validators=[Optional(), NumberRange(0, most, f"Use a whole number from 0 to {most:,}.")],
    )


class SurveyForm(FlaskForm):
    """The metrics survey of one completed collaboration: every answer optional, one at least.

    ``revenue`` is read in the brand's currency (set ``currency`` before
    validating) exactly as the other money inputs are: never rounded.
    """

    reach = _count("Reach (people who saw the posts)", MAX_AUDIENCE)
    clicks = _count("Clicks to your store", MAX_AUDIENCE)
    orders = _count("Orders", MAX_ORDERS)
    revenue = StringField("Revenue attributed", validators=[Optional(), Length(max=30)])
    notes = TextAreaField(
        "Notes",
        validators=[
            Optional(),
            Length(max=MAX_NOTES, message=f"Write at most {MAX_NOTES:,} characters."),
        ],
    )

    currency = "USD"
    FIGURES = ("reach", "clicks", "orders", "revenue")

    def validate_revenue(self, field: StringField) -> None:
        text = (field.data or "").replace(",", "").strip()
        if not text:
            return
        try:
            minor = to_minor(text, self.currency)
        except ValueError:
            raise ValidationError(
                f"Use an amount in {self.currency} like 1250.00 (no more decimals than it has)."
            ) from None
        if minor > MAX_MINOR:
            raise ValidationError(
                f"Use an amount of at most {format_minor(MAX_MINOR, self.currency)}."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.answers_given():
            self.form_errors.append("Answer at least one question.")
            return False
        return valid

    def answers_given(self) -> bool:
        return any(self[name].data not in (None, "") for name in self.FIGURES) or bool(
            (self.notes.data or "").strip()
        )

    def answers(self) -> dict[str, Any]:
        """The checked answers as the columns of :class:`SurveyAnswer`."""
        revenue = (self.revenue.data or "").replace(",", "").strip()
        return {
            "reach": self.reach.data,
            "clicks": self.clicks.data,
            "orders": self.orders.data,
            "revenue_minor": to_minor(revenue, self.currency) if revenue else None,
            "currency": self.currency,
            "notes": (self.notes.data or "").strip() or None,
        }


class PeriodForm(FlaskForm):
    """The analytics page's period: from and to, both days included (no CSRF: reading only)."""

    class Meta:
        csrf = False

    start = StringField("From", validators=[Optional(), iso_day])
    end = StringField("To", validators=[Optional(), iso_day])

    FIELDS = ("from", "to")

    def period(self, today: date) -> tuple[date, date] | None:
        """``(first day, last day)``; the last ``DEFAULT_DAYS`` days by default; None if wrong."""
        if not self.validate():
            return None
        end = date.fromisoformat(self.end.data) if self.end.data else today
        start = (
            date.fromisoformat(self.start.data)
            if self.start.data
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
        if start > end:
            self.start.errors = ["The first day comes after the last one."]
            return None
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.start.errors = [f"Choose a period of at most {MAX_PERIOD_DAYS} days (two years)."]
            return None
        return start, end
