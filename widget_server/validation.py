"""What input may be, shared by every feature: field types, the base of every
input schema, the guards every HTTP request passes, and text made safe to show.

Bad input is a 4xx, never a 500: a NUL byte or a lone surrogate that reached
the database would fail there (PostgreSQL refuses NUL in text; neither
database nor a UTF-8 page can hold a lone surrogate), numbers beyond a
column's range fail in the driver, and a deep JSON document overflows the
parser's recursion. Each is refused here, before any of that runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from markupsafe import Markup
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

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


#: The largest id an ``Integer`` primary key holds on every database (PostgreSQL's int4).
MAX_ID = 2**31 - 1
ID = validate.Range(1, MAX_ID, error="Must be an id between 1 and {max}.")

#: Request bodies past this answer 413 before they are read (forms and JSON are small).
MAX_CONTENT_LENGTH = 256 * 1024
#: Endpoints that take a larger body (uploads): endpoint name -> their limit in bytes.
LARGER_BODIES: dict[str, int] = {}
#: Nesting of JSON bodies past this answers 400 (the API's own bodies nest 3 deep).
MAX_JSON_DEPTH = 10

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Embeddings, overrides and isolates: they reorder the text around them when shown,
#: so a name or link can read as something else (U+202A-U+202E, U+2066-U+2069).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "NUL characters are not allowed."
    return "Not valid Unicode text (a lone surrogate)."


def display_text(value: str) -> str:
    """``value`` made safe to show people, in pages and in CSV files.

    Bidirectional controls, NUL and lone surrogates (rows stored before input
    was checked) each become U+FFFD, so the reader sees that something was
    there and the page can still be encoded.
    """
    return BIDI_CONTROLS.sub("\ufffd", _UNSTORABLE.sub("\ufffd", value))


class ShownText(fields.String):
    """Text a person reads in the overlay or the panel (titles, names, reasons).

    The widget API is the boundary for the browser code, which renders with
    ``textContent``: that stops markup, not a right-to-left override that
    makes "gpj.exe" read as "exe.jpg". So such text is neutralised here, on
    the way out, as the pages do with :func:`display_value`.
    """

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        text = super()._serialize(value, attr, obj, **kwargs)
        return None if text is None else display_text(text)


def display_value(value: Any) -> Any:
    """Jinja ``finalize``: every ``{{ … }}`` of text goes through :func:`display_text`."""
    if isinstance(value, Markup):
        return Markup(display_text(str(value)))
    if isinstance(value, str):
        return display_text(value)
    return value


class StrictSchema(Schema):
    """Base of every input schema.

    Unknown fields are refused; every text value (and every text in a list) at
    this schema's level is checked with :func:`text_problem` and stripped of
    surrounding whitespace. Nested schemas check their own level.
    """

    #: Surrounding whitespace is never meaningful in this input (passwords say otherwise).
    STRIP_TEXT = True

    class Meta:
        unknown = RAISE

    @pre_load
    def check_text(self, data: Any, **_kwargs: Any) -> Any:
        """Refuse text that cannot be stored, with the field's path."""
        if not isinstance(data, Mapping):
            return data  # marshmallow answers "Invalid input type."
        errors: dict[str, Any] = {}
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                if problem := text_problem(value):
                    errors[key] = [problem]
                elif self.STRIP_TEXT:
                    value = value.strip()
            elif isinstance(value, list):
                bad = {
                    index: [problem]
                    for index, item in enumerate(value)
                    if isinstance(item, str) and (problem := text_problem(item))
                }
                if bad:
                    errors[key] = bad
            if isinstance(key, str) and text_problem(key):
                errors[display_text(key)] = ["Unknown field."]
            cleaned[key] = value
        if errors:
            raise ValidationError(errors)
        return cleaned


class IdConverter(IntegerConverter):
    """The ``int`` URL converter, limited to ids a column can hold.

    ``/review/requests/99999999999999999999`` is then a 404 like any unknown
    id, instead of an overflow in the database driver.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def json_depth(data: bytes) -> int:
    """How deeply a JSON document nests (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def guard_request() -> None:
    """Before every request: size, NUL bytes in the URL and forms, JSON depth."""
    if request.endpoint in LARGER_BODIES:
        request.max_content_length = LARGER_BODIES[request.endpoint]
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"The request body is larger than {limit:,} bytes.")
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise BadRequest("The query string holds a NUL character.")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in request.form.items(multi=True):
                if text_problem(key) or text_problem(value):
                    raise BadRequest("The form holds a NUL character or invalid text.")
        elif request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")


def init_app(app: Flask) -> None:
    """Install the request guards, the bounded ``int`` converter and safe display.

    Runs before any blueprint is registered: URL rules pick their converter
    when they are added.
    """
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.url_map.converters["int"] = IdConverter
    app.before_request(guard_request)
    app.jinja_env.finalize = display_value
    app.jinja_env.filters["display"] = display_text
