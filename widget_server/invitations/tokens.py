"""Signed tokens of the open invitation, each with a salt of its own.

- The confirmation link (``/apply/confirm/<token>``): ``[application_id, nonce]``,
  timed (48 hours). It works once: confirming gives the application a new
  nonce, so the same link then names nothing.
- The form's start stamp: when the form was served, signed so a bot cannot
  claim it waited. A form sent back sooner than a person can fill it in is
  refused (the minimum fill time).

Neither salt is shared with the link tokens or the preview tokens, so no
token verifies for a purpose it was not signed for.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from widget_server import clock

CONFIRM_SALT = "dots.apply-confirm.v1"
FORM_SALT = "dots.apply-form.v1"
#: How long a confirmation link works.
CONFIRM_MAX_AGE = timedelta(hours=48)
#: A form served longer ago than this is stale: it is shown again, fresh.
FORM_MAX_AGE = timedelta(hours=6)


class TokenRefused(ValueError):
    """A token that is forged, respelled, for another purpose, or too old."""


class _ClockSigner(TimestampSigner):
    """Timestamps from :func:`widget_server.clock.now`, so ages follow the app's clock."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    # The newest key (last) signs; the older ones still verify.
    return URLSafeTimedSerializer(list(reversed(keys)), salt=salt, signer=_ClockSigner)


def sign_confirmation(application_id: int, nonce: str) -> str:
    """The token of an application's one-time confirmation link."""
    return str(_serializer(CONFIRM_SALT).dumps([application_id, nonce]))


def read_confirmation(token: str) -> tuple[int, str]:
    """``(application_id, nonce)`` of a good confirmation token at most 48 h old, or raise."""
    serializer = _serializer(CONFIRM_SALT)
    try:
        payload = serializer.loads(token, max_age=int(CONFIRM_MAX_AGE.total_seconds()))
        return int(payload[0]), str(payload[1])
    except SignatureExpired:
        raise TokenRefused("This confirmation link is more than 48 hours old.") from None
    except BadData:
        raise TokenRefused("This is not a confirmation link we sent.") from None
    except (ValueError, TypeError, IndexError, KeyError):
        raise TokenRefused("This is not a confirmation link we sent.") from None


def form_stamp() -> str:
    """The hidden start stamp of a freshly served form."""
    return str(_serializer(FORM_SALT).dumps("apply"))


def seconds_since_stamp(stamp: str) -> float:
    """How long ago the form with ``stamp`` was served; raise for a bad or stale stamp."""
    try:
        _, served = _serializer(FORM_SALT).loads(
            stamp, max_age=int(FORM_MAX_AGE.total_seconds()), return_timestamp=True
        )
    except BadData:
        raise TokenRefused("not a form we served, or served too long ago") from None
    return (clock.now() - served).total_seconds()
