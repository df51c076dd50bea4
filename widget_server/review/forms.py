"""Forms of the review pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

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


class EmailForm(FlaskForm):
    message = TextAreaField("Message", validators=[DataRequired(), Length(max=5000)])


class ArchiveFilter(FlaskForm):
    """The archive's GET filters (no CSRF: reading only)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(s, s.capitalize()) for s in ("approved", "denied", "expired", "withdrawn")],
        default="",
        validators=[Optional()],
    )  # fmt: skip
    start = StringField("From", validators=[Optional()])
    end = StringField("To", validators=[Optional()])
    influencer = StringField("Influencer", validators=[Optional(), Length(max=200)])
    product = StringField("Product", validators=[Optional(), Length(max=200)])
    q = StringField("Search", validators=[Optional(), Length(max=200)])
