"""Forms of the review pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from marshmallow import ValidationError as MarshmallowError
from wtforms import (
    EmailField,
    Field,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from widget_server.errors import flatten_messages
from widget_server.messages import rules as message_rules
from widget_server.store_sync.schemas import ShipmentIn
from widget_server.validation import MAX_ID

#: Archive dates people can mean; the day after the last one still fits a datetime.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)

DENY_REASONS = [
    ("", "No reason given"),
    ("Not the right fit for our brand right now", "Not the right fit right now"),
    ("Your audience is outside the markets we ship to", "Audience outside our markets"),
    ("These products are no longer available for gifting", "Products not available for gifting"),
    ("Our gifting budget for this period is used up", "Gifting budget used up"),
]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    """Change one's own password: the current one proves it is really them."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1000)])
    new = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(max=1000, message="Use a password of at most 1,000 characters."),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


class ActionForm(FlaskForm):
    """Approve and sign-out: nothing but the CSRF token."""


class DenyForm(FlaskForm):
    reason = SelectField(
        "Reason", choices=[SelectChoice(v, label) for v, label in DENY_REASONS], default=""
    )
    details = TextAreaField("Note to the influencer", validators=[Optional(), Length(max=1000)])

    def note(self) -> str | None:
        """Reason and details as one note for the email and the timeline."""
        parts = [p for p in (self.reason.data, (self.details.data or "").strip()) if p]
        return ". ".join(parts) or None


#: Longest note to the influencer (approval, changes, cancelling), as the deny note.
MAX_NOTE = 1000


def _note(label: str, required: bool = False) -> TextAreaField:
    length = Length(max=MAX_NOTE, message=f"Write at most {MAX_NOTE:,} characters.")
    first = DataRequired(message="Say what to change.") if required else Optional()
    return TextAreaField(label, validators=[first, length])


class NoteForm(FlaskForm):
    """A step with an optional note to the influencer (approving, cancelling)."""

    note = _note("Note to the influencer (optional)")

    def text(self) -> str | None:
        """The note as stored and emailed: stripped, None when empty."""
        return (self.note.data or "").strip() or None


class ChangesForm(NoteForm):
    """Returning content: the note of what to change is required."""

    note = _note("What should change", required=True)


class ShipForm(FlaskForm):
    """A shipment entered by hand: the same rules as the store API's (``ShipmentIn``)."""

    carrier = StringField("Carrier", validators=[DataRequired(), Length(max=100)])
    tracking_number = StringField("Tracking number", validators=[DataRequired(), Length(max=100)])
    tracking_url = StringField("Tracking URL (optional)", validators=[Optional(), Length(max=2000)])

    def shipment(self) -> dict[str, Any] | None:
        """The checked shipment, or None with the problems in ``errors``."""
        if not self.validate():
            return None
        try:
            return ShipmentIn().load(
                {
                    "carrier": self.carrier.data,
                    "tracking_number": self.tracking_number.data,
                    "tracking_url": (self.tracking_url.data or "").strip() or None,
                }
            )
        except MarshmallowError as exc:
            for name, messages in flatten_messages(exc.messages).items():
                self._fields.get(name, self.carrier).errors = list(messages)
            return None


def problems(form: FlaskForm) -> str:
    """Every error of ``form`` as one sentence list for a flash message."""
    return " ".join(
        f"{form[name].label.text}: {' '.join(messages)}" for name, messages in form.errors.items()
    )


def _message_text(_form: FlaskForm, field: Field) -> None:
    """The thread's rules (1 to 2,000 characters after trimming, no controls); stores the text."""
    field.data = message_rules.normalize(field.data or "")
    if problem := message_rules.problem(field.data):
        raise ValidationError(problem)


class MessageForm(FlaskForm):
    """A message on the request's thread (``message``: the old "Email influencer" form's name)."""

    message = TextAreaField("Message", validators=[_message_text])


def iso_day(_form: FlaskForm, field: Field) -> None:
    """A day written ``YYYY-MM-DD`` (what date inputs send), within the years people mean."""
    try:
        day = date.fromisoformat(field.data or "")
    except ValueError:
        raise ValidationError("Use a date like 2026-03-01.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"Use a date from {FIRST_DAY} to {LAST_DAY}.")


class ArchiveFilter(FlaskForm):
    """The archive's GET filters (no CSRF: reading only).

    Its field names are the only query arguments the archive and its CSV take
    (besides the page cursor ``after``); see ``FIELDS``.
    """

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(s, s.capitalize()) for s in ("approved", "denied", "expired", "withdrawn")],
        default="",
        validators=[Optional()],
    )  # fmt: skip
    start = StringField("From", validators=[Optional(), iso_day])
    end = StringField("To", validators=[Optional(), iso_day])
    influencer = StringField("Influencer", validators=[Optional(), Length(max=200)])
    product = StringField("Product", validators=[Optional(), Length(max=200)])
    q = StringField("Search", validators=[Optional(), Length(max=200)])

    FIELDS = ("status", "start", "end", "influencer", "product", "q")


#: Requests one bulk decision may move: a page of the pending list is 25, four pages at most.
MAX_BULK = 100


class BulkDecideForm(DenyForm):
    """Approve or deny the selected pending requests (the deny fields as on one request)."""

    ids = SelectMultipleField("Requests", coerce=int, validate_choice=False)
    action = SelectField("Action", choices=[("approve", "Approve"), ("deny", "Deny")])

    def validate_ids(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Select at least one request.")
        if len(field.data) > MAX_BULK:
            raise ValidationError(f"Select at most {MAX_BULK} requests at a time.")
        if not all(1 <= ident <= MAX_ID for ident in field.data):
            raise ValidationError("That is not a request number.")


#: The fulfilment export's statuses: approved and after (the address is shown), and denied.
FULFILMENT_STATUSES = [
    ("approved", "Awaiting shipment"),
    ("shipped", "Shipped"),
    ("delivered", "Delivered (content pending)"),
    ("content_submitted", "Content submitted"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
    ("denied", "Denied"),
]


class FulfilmentFilter(FlaskForm):
    """The fulfilment export's GET filters (no CSRF: reading only)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[SelectChoice(v, label) for v, label in FULFILMENT_STATUSES],
        default="approved",
    )
    start = StringField("Decided from", validators=[Optional(), iso_day])
    end = StringField("Decided to", validators=[Optional(), iso_day])

    FIELDS = ("status", "start", "end")
