"""Field types shared by the schemas of several features."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate

SLUG = validate.Regexp(
    r"^[a-z0-9][a-z0-9-]{0,62}$",
    error="Use 1-63 lowercase letters, digits and dashes, starting with a letter or digit.",
)
COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="Use a two-letter ISO country code, like US.")
CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Use a three-letter ISO currency code, like USD.")
#: Platform key (stored, sent by the API) -> its name as its owner spells it.
#: The one mapping every page and email uses to show a platform to people.
PLATFORM_NAMES = {
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "x": "X",
    "facebook": "Facebook",
    "pinterest": "Pinterest",
    "twitch": "Twitch",
    "snapchat": "Snapchat",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "blog": "Blog",
    "podcast": "Podcast",
}
PLATFORMS = tuple(PLATFORM_NAMES)
#: Most followers anyone states (more than any account has).
MAX_FOLLOWERS = 10**10


def platform_name(key: str) -> str:
    """``"tiktok"`` -> ``"TikTok"``; an unknown key is shown as it is."""
    return PLATFORM_NAMES.get(key, key)


def normalize_origin(value: str) -> str:
    """Return ``scheme://host[:port]`` in the form browsers send, or raise ValueError."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{value!r} is not an origin of the form scheme://host[:port]")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    suffix = f":{port}" if port and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


class Origin(fields.String):
    """A web origin, normalised (lowercase host, no default port, no slash)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_origin(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class HttpUrl(fields.Url):
    """An absolute http(s) URL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(schemes={"http", "https"}, require_tld=False, **kwargs)
