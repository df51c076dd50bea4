"""Forms of the console pages (Flask-WTF: every POST carries a CSRF token).

The forms check shape (lengths, numbers, one email per line); the brand's own
rules (a valid origin, a currency, a value in range) are the services'
schemas, whose messages the views put back on the right field.
"""

from __future__ import annotations

import hashlib
import hmac

from flask_wtf import FlaskForm
from marshmallow import ValidationError as MarshmallowError
from marshmallow.validate import Email as MarshmallowEmail
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from widget_server.catalog.formats import FORMATS
from widget_server.console.accounts import ROLES
from widget_server.review.forms import PasswordForm

is_email = MarshmallowEmail()


def email_address(_form: FlaskForm, field: Field) -> None:
    """An email address, checked as the API checks them (marshmallow's rule)."""
    try:
        is_email((field.data or "").strip())
    except MarshmallowError:
        raise ValidationError("That is not an email address.") from None


#: Addresses told of new requests, at most.
MAX_ADDRESSES = 10


class OriginForm(FlaskForm):
    origin = StringField(
        "Store origin",
        validators=[DataRequired(), Length(max=300)],
        description="e.g. https://shop.example",
    )


def credential_tag(value: str | None) -> str:
    """A short fingerprint of a secret (or its hash), safe to put in a page."""
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else "none"


class ReplaceCredentialForm(FlaskForm):
    """Replaces a secret the page showed, named by its :func:`credential_tag`.

    A reload that sends the form again (or a teammate who replaced it a moment
    ago) names one that is gone: the view then replaces nothing, so the
    secret just shown once keeps working.
    """

    replaces = HiddenField()

    def replaces_current(self, current: str | None) -> bool:
        return hmac.compare_digest(self.replaces.data or "", credential_tag(current))


class WebhookForm(ReplaceCredentialForm):
    """Where the brand's request events are POSTed (empty removes the webhook)."""

    url = StringField(
        "Webhook URL",
        validators=[Optional(), Length(max=2000)],
        description="https:// on your store or order system; leave empty to stop the events",
    )
    rotate = BooleanField("Make a new signing secret (the old one stops working)")


class OriginChoiceForm(FlaskForm):
    """Remove an origin, or check the install on it (the origin comes from the page)."""

    origin = HiddenField(validators=[DataRequired(), Length(max=300)])


class PolicyForm(FlaskForm):
    expiry_days = IntegerField(
        "Days before a pending request expires",
        validators=[InputRequired(), NumberRange(1, 365, "Use a number of days from 1 to 365.")],
    )
    max_items = IntegerField(
        "Most items in one request",
        validators=[InputRequired(), NumberRange(1, 100, "Use a number from 1 to 100.")],
    )
    max_value = StringField(
        "Most retail value of one request", validators=[DataRequired(), Length(max=30)]
    )
    currency = StringField(
        "Currency of the store's prices",
        validators=[DataRequired(), Length(3, 3, "Use a 3-letter code like USD.")],
    )
    content_days = IntegerField(
        "Days to post content after delivery",
        validators=[Optional(), NumberRange(1, 365, "Use a number of days from 1 to 365.")],
    )
    approval_undo_seconds = IntegerField(
        "Seconds to undo an approval",
        validators=[Optional(), NumberRange(0, 3600, "Use a number of seconds from 0 to 3,600.")],
    )
    survey_days = IntegerField(
        "Days after completion to ask for the results",
        validators=[Optional(), NumberRange(0, 60, "Use a number of days from 0 to 60.")],
    )


def _addresses(_form: FlaskForm, field: Field) -> None:
    lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationError("Give at least one address.")
    if len(lines) > MAX_ADDRESSES:
        raise ValidationError(f"Give at most {MAX_ADDRESSES} addresses.")
    for line in lines:
        try:
            is_email(line)
        except MarshmallowError:
            raise ValidationError(f"{line} is not an email address.") from None
        if len(line) > 320:
            raise ValidationError(f"{line[:40]}… is too long for an email address.")


class NotificationsForm(FlaskForm):
    addresses = TextAreaField("Addresses for new requests (one a line)", validators=[_addresses])
    digest = BooleanField("One daily digest instead of an email per request")
    sender_name = StringField(
        "Sender name of emails to influencers", validators=[Optional(), Length(max=200)]
    )
    reply_to = EmailField(
        "Reply-To of emails to influencers",
        validators=[Optional(), email_address, Length(max=320)],
    )

    def address_list(self) -> list[str]:
        """The addresses, one a line, lower-cased, duplicates dropped."""
        lines = (line.strip().lower() for line in (self.addresses.data or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))


class ProductSearch(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search products", validators=[Optional(), Length(max=200)])


class ToggleForm(FlaskForm):
    """Exclude or include one product: nothing but the CSRF token (the product is in the URL)."""


class CatalogForm(FlaskForm):
    source = StringField("Catalog source URL", validators=[DataRequired(), Length(max=2000)])
    format = SelectField(
        "Format",
        choices=[
            SelectChoice("auto", "Detect it"),
            SelectChoice("shopify", "Shopify (products.json)"),
            SelectChoice("woocommerce", "WooCommerce Store API"),
            SelectChoice("google", "Google Merchant feed (XML or TSV)"),
            SelectChoice("csv", "CSV"),
        ],
        validators=[DataRequired()],
    )
    auto_sync = BooleanField("Sync every day")

    def validate_format(self, field: Field) -> None:
        if field.data not in FORMATS:
            raise ValidationError("Choose one of the formats.")


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), email_address, Length(max=320)],
    )
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("member", "Member: requests and influencers"),
            SelectChoice("owner", "Owner: also settings and team"),
        ],
        default="member",
    )

    def validate_role(self, field: Field) -> None:
        if field.data not in ROLES:
            raise ValidationError("Choose owner or member.")


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=[SelectChoice("member", "Member"), SelectChoice("owner", "Owner")]
    )

    def validate_role(self, field: Field) -> None:
        if field.data not in ROLES:
            raise ValidationError("Choose owner or member.")


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (remove teammate, sync now)."""


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])


class SetPasswordForm(PasswordForm):
    """The password form without the current password: the emailed link proves who it is."""

    current = None
