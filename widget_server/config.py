"""Settings for the widget server.

Every setting comes from an environment variable prefixed ``DOTS_`` (so a
deployment is configured the twelve-factor way), then from the ``overrides``
handed to :func:`widget_server.create_app` (tests).
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from limits import parse_many

#: Flask config key -> (environment variable, default). ``None`` defaults are
#: filled in from the instance folder at start-up.
SETTINGS: dict[str, tuple[str, Any]] = {
    "DATABASE_URL": ("DOTS_DATABASE_URL", None),
    "SECRET_KEY": ("DOTS_SECRET_KEY", None),
    "PUBLIC_URL": ("DOTS_PUBLIC_URL", "http://127.0.0.1:5000"),
    "SMTP_URL": ("DOTS_SMTP_URL", None),
    "MAIL_FROM": ("DOTS_MAIL_FROM", "Dots <no-reply@dots.localhost>"),
    "RATELIMIT_STORAGE_URI": ("DOTS_RATELIMIT_STORAGE_URL", "memory://"),
    "DEMO": ("DOTS_DEMO", False),
    # Where the influencers' content screenshots are kept (default: <instance>/uploads).
    "UPLOAD_DIR": ("DOTS_UPLOAD_DIR", None),
    "LINK_TTL": ("DOTS_LINK_TTL", "30d"),
    "PROXY_HOPS": ("DOTS_PROXY_HOPS", 0),
    "REVIEW_IDLE_TIMEOUT": ("DOTS_REVIEW_IDLE_TIMEOUT", "2h"),
    "OUTBOX_MAX_ATTEMPTS": ("DOTS_OUTBOX_MAX_ATTEMPTS", "30"),
    "OUTBOX_MAX_AGE": ("DOTS_OUTBOX_MAX_AGE", "2d"),
    # Seconds an approval can be undone: its email and webhook wait this long.
    "APPROVAL_UNDO_SECONDS": ("DOTS_APPROVAL_UNDO_SECONDS", "60"),
    # Rate limits (see widget_server.ratelimit), in the notation "10/minute;60/day".
    # Submissions per link token: a person sends a few requests, not dozens.
    "RATELIMIT_SUBMIT_PER_TOKEN": ("DOTS_RATELIMIT_SUBMIT_PER_TOKEN", "10/minute;60/day"),
    # Submissions per client IP: several influencers may share an office network.
    "RATELIMIT_SUBMIT_PER_IP": ("DOTS_RATELIMIT_SUBMIT_PER_IP", "30/minute"),
    # Session checks and reads per client IP.
    "RATELIMIT_READ_PER_IP": ("DOTS_RATELIMIT_READ_PER_IP", "120/minute"),
    # Sign-in attempts per client IP.
    "RATELIMIT_SIGN_IN_PER_IP": ("DOTS_RATELIMIT_SIGN_IN_PER_IP", "10/minute"),
    # Applications sent through a brand's open invitation (/apply/<slug>) per client IP.
    "RATELIMIT_APPLY_PER_IP": ("DOTS_RATELIMIT_APPLY_PER_IP", "5/minute;50/day"),
    # Messages a brand user writes on request threads (the influencer's side
    # counts like every other widget write: RATELIMIT_SUBMIT_PER_TOKEN).
    "RATELIMIT_MESSAGES_PER_USER": ("DOTS_RATELIMIT_MESSAGES_PER_USER", "20/minute;300/day"),
    # Store API calls per brand API key (a store reporting orders and shipments).
    "RATELIMIT_STORE_PER_KEY": ("DOTS_RATELIMIT_STORE_PER_KEY", "300/minute"),
    # Catalog feeds and webhooks may be on private and loopback addresses (a
    # store on the same network, an intranet feed; tests). Off: only public
    # addresses, so a brand's URL cannot reach the server's own network.
    "ALLOW_PRIVATE_URLS": ("DOTS_ALLOW_PRIVATE_URLS", False),
}

#: Settings that are durations ("2h", "30d"), and whole numbers with their bounds.
DURATIONS = ("REVIEW_IDLE_TIMEOUT", "OUTBOX_MAX_AGE")
WHOLE_NUMBERS = {"OUTBOX_MAX_ATTEMPTS": (1, 1000), "APPROVAL_UNDO_SECONDS": (0, 3600)}
#: Settings that are rate limits (the storage URL is not one).
RATE_LIMITS = tuple(
    key for key in SETTINGS if key.startswith("RATELIMIT_") and "STORAGE" not in key
)

_TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The server cannot start with the configuration it was given."""


_DURATION = re.compile(r"^\s*(\d+)\s*([wdhms])\s*$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """``"30d"``, ``"12h"``, ``"90s"`` (also ``w`` and ``m``) -> timedelta.

    Raises ValueError with a sentence for people (settings and the CLI show it).
    """
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 90s")
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def duration_setting(config: Any, key: str) -> timedelta:
    """The duration setting ``key`` of an app's config; ConfigError names the variable."""
    value = config[key]
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{SETTINGS[key][0]}: {exc}") from None


def int_setting(config: Any, key: str, minimum: int, maximum: int) -> int:
    """The whole-number setting ``key``, between ``minimum`` and ``maximum``."""
    value = config[key]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not minimum <= number <= maximum:
        raise ConfigError(
            f"{SETTINGS[key][0]}: {value!r} is not a whole number from {minimum} to {maximum}"
        )
    return number


def rate_limit_setting(config: Any, key: str) -> str:
    """The rate-limit setting ``key``, checked: one or more limits, each allowing at least one.

    Flask-Limiter reads a limit only when a request needs it, so a malformed
    one would turn every such request into a 500; zero would refuse them all.
    """
    value = config[key]
    try:
        limits = parse_many(str(value))
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        raise ConfigError(
            f"{SETTINGS[key][0]}: {value!r} is not a rate limit like 30/minute or 10/minute;60/day"
        )
    return str(value)


def load_settings(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Read ``DOTS_*`` variables, then apply ``overrides`` on top."""
    settings: dict[str, Any] = {}
    for key, (env_name, default) in SETTINGS.items():
        value: Any = os.environ.get(env_name, default)
        if isinstance(default, bool) and isinstance(value, str):
            value = value.strip().lower() in _TRUE
        settings[key] = value
    settings.update(overrides or {})
    # Typed now, so a malformed value stops the start instead of a page view or an email run.
    for key in DURATIONS:
        settings[key] = duration_setting(settings, key)
    for key, (minimum, maximum) in WHOLE_NUMBERS.items():
        settings[key] = int_setting(settings, key, minimum, maximum)
    for key in RATE_LIMITS:
        settings[key] = rate_limit_setting(settings, key)
    return settings


def resolve_secret_key(settings: dict[str, Any], instance_path: Path, debug: bool) -> str:
    """Return the signing key, or fail loudly when production has none.

    Links are signed with this key, so a key that changed on every start would
    silently break every link already sent. The demo therefore creates one key
    once and keeps it in the instance folder; anything else must be given one.
    """
    if settings.get("SECRET_KEY"):
        return str(settings["SECRET_KEY"])
    if not (settings.get("DEMO") or debug or settings.get("TESTING")):
        raise ConfigError(
            "DOTS_SECRET_KEY is not set. Set it to a long random string "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(48))"); '
            "it signs influencer links, so keep it stable across restarts."
        )
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start at once, exactly one writes the key.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def default_database_url(instance_path: Path) -> str:
    """The embedded default: one SQLite file in the instance folder."""
    return f"sqlite:///{instance_path / 'dots.sqlite3'}"
