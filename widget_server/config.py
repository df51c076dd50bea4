"""Settings for the widget server.

Every setting comes from an environment variable prefixed ``DOTS_`` (so a
deployment is configured the twelve-factor way), then from the ``overrides``
handed to :func:`widget_server.create_app` (tests).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

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
    "LINK_TTL": ("DOTS_LINK_TTL", "30d"),
    "PROXY_HOPS": ("DOTS_PROXY_HOPS", 0),
}

_TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The server cannot start with the configuration it was given."""


def load_settings(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Read ``DOTS_*`` variables, then apply ``overrides`` on top."""
    settings: dict[str, Any] = {}
    for key, (env_name, default) in SETTINGS.items():
        value: Any = os.environ.get(env_name, default)
        if isinstance(default, bool) and isinstance(value, str):
            value = value.strip().lower() in _TRUE
        settings[key] = value
    settings.update(overrides or {})
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
