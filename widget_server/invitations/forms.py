"""Forms of the invitation pages and of the public application page (all with CSRF)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from widget_server.review.forms import iso_day
from widget_server.validation import MAX_FOLLOWERS, PLATFORM_NAMES

PLATFORM_CHOICES = [SelectChoice(key, name) for key, name in PLATFORM_NAMES.items()]
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def country_list(text: str | None) -> list[str]:
    """``"pt, es US"`` -> ``["PT", "ES", "US"]``."""
    return [code.upper() for code in re.split(r"[\s,;]+", text or "") if code]


def _countries(_form: FlaskForm, field: Field) -> None:
    bad = [code for code in country_list(field.data) if not _COUNTRY.match(code)]
    if bad:
        raise ValidationError(
            f"Use two-letter country codes, like PT or US (not {', '.join(bad)})."
        )


class InviteForm(FlaskForm):
    """Invite one person by email; handles and a note are optional."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    handles = StringField(
        "Handles (optional)",
        validators=[Optional(), Length(max=2000)],
        description="Platform, handle and followers, e.g. instagram:ana:12.5k tiktok:ana:3000",
    )
    note = TextAreaField(
        "Personal note (optional)",
        validators=[Optional(), Length(max=1000)],
        description="Added to the invitation email.",
    )


class ExtendForm(FlaskForm):
    until = StringField("New expiry date", validators=[DataRequired(), iso_day])


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Reason (optional, emailed to them)", validators=[Optional(), Length(max=1000)]
    )


class BulkUploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        description="Columns: name, email, handles (handles optional).",
    )


class BulkConfirmForm(FlaskForm):
    """The checked CSV, sent back as text: confirming writes exactly what was previewed."""

    text = HiddenField(validators=[DataRequired(), Length(max=256 * 1024)])


class RulesForm(FlaskForm):
    auto_accept = BooleanField("Accept matching applicants automatically")
    platform = SelectField(
        "Platform", choices=[SelectChoice("", "Any platform"), *PLATFORM_CHOICES], default=""
    )
    min_followers = IntegerField(
        "At least this many followers",
        default=0,
        validators=[Optional(), NumberRange(0, MAX_FOLLOWERS, "Use a number from 0 up.")],
    )
    countries = StringField(
        "Countries (optional)",
        validators=[Optional(), Length(max=1000), _countries],
        description="Two-letter codes, e.g. PT ES US. Empty: any country.",
    )


class HandleRow(Form):
    """One account on the application form (no CSRF of its own: the form has it)."""

    platform = SelectField(
        "Platform", choices=[SelectChoice("", "Choose…"), *PLATFORM_CHOICES], default=""
    )
    handle = StringField("Handle", validators=[Optional(), Length(max=100)])
    followers = IntegerField(
        "Followers",
        validators=[Optional(), NumberRange(0, MAX_FOLLOWERS, "Use a number from 0 up.")],
    )


class ApplyForm(FlaskForm):
    """The public application. ``website`` is the honeypot; ``started`` the signed start time."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    country = StringField(
        "Country",
        validators=[DataRequired(), Length(min=2, max=2, message="Use a two-letter code.")],
        description="Two-letter code, like PT or US.",
    )
    handles = FieldList(FormField(HandleRow), min_entries=3, max_entries=3)
    pitch = TextAreaField(
        "Why would you like to work with us?", validators=[DataRequired(), Length(max=1000)]
    )
    website = StringField("Leave this empty")
    started = HiddenField()
