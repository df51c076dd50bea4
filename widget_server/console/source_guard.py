"""Which catalog source URLs the console may fetch (the server is no proxy into its network).

A brand types the URL, and the server fetches it: without a check, anyone
with a brand sign-in could make it read ``http://127.0.0.1:…`` or a cloud
metadata address. Only http(s) URLs whose host resolves to public addresses
are accepted, unless ``DOTS_CATALOG_ALLOW_PRIVATE`` (or the demo) says the
catalog lives on this machine or network.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

from widget_server.config import SETTINGS

MAX_URL = 2000


class SourceRefused(ValueError):
    """A source URL the console will not fetch, with a sentence saying why."""


def private_allowed() -> bool:
    """``DOTS_CATALOG_ALLOW_PRIVATE`` or the demo: loopback and private hosts are fine."""
    return bool(current_app.config.get("CATALOG_ALLOW_PRIVATE") or current_app.config.get("DEMO"))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


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
    if not infos or not all(_is_public(str(info[4][0])) for info in infos):
        flag = SETTINGS["CATALOG_ALLOW_PRIVATE"][0]
        raise SourceRefused(
            f"{host} is a private or local address; the server fetches only public ones "
            f"(an operator can allow private ones with {flag}=1)."
        )
    return url
