"""Which catalog source URLs the console may fetch (see :mod:`widget_server.outbound`)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from widget_server.outbound import ALLOW_PRIVATE_FLAG, is_public, private_allowed

MAX_URL = 2000


class SourceRefused(ValueError):
    """A source URL the console will not fetch, with a sentence saying why."""


def check_source(url: str) -> str:
    """``url`` stripped, when it is a fetchable http(s) URL; SourceRefused otherwise."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise SourceRefused(f"Use a URL of at most {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise SourceRefused("That is not a URL.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise SourceRefused("Use an http:// or https:// URL of your store or its feed.")
    if parts.username or parts.password:
        raise SourceRefused("Leave the user name and password out of the URL.")
    if private_allowed():
        return url
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise SourceRefused(f"{host} cannot be found.") from None
    if not infos or not all(is_public(str(info[4][0])) for info in infos):
        raise SourceRefused(
            f"{host} is a private or local address; the server fetches only public ones "
            f"(an operator can allow private ones with {ALLOW_PRIVATE_FLAG}=1)."
        )
    return url
