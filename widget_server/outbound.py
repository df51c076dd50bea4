"""Which addresses the server may call on a brand's say (catalog feeds, webhooks).

A brand types a URL and the server fetches it or POSTs to it: without a
check, anyone with a brand sign-in could make it reach ``http://127.0.0.1:…``,
the private network or a cloud metadata address. Only public addresses are
called, unless ``DOTS_ALLOW_PRIVATE_URLS`` (or the demo, whose store is on
loopback) says the other end lives on this machine or network.

A name is checked when it is resolved to connect, and the connection goes to
the very address that was checked: checking first and letting the HTTP
library resolve the name again would let a DNS answer that changes in
between (rebinding) send the request inside.
"""

from __future__ import annotations

import ipaddress
import socket

from flask import current_app

#: The setting that allows private addresses, as an operator sets it.
ALLOW_PRIVATE_FLAG = "DOTS_ALLOW_PRIVATE_URLS"


def private_allowed() -> bool:
    """``DOTS_ALLOW_PRIVATE_URLS`` or the demo: loopback and private hosts are fine."""
    return bool(current_app.config.get("ALLOW_PRIVATE_URLS") or current_app.config.get("DEMO"))


def is_public(address: str) -> bool:
    """Whether an IP address (as getaddrinfo gives it) is a public unicast one.

    ``::ffff:10.0.0.1`` is judged as the IPv4 address it carries.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class NotPublic(ValueError):
    """A host that resolves to an address the server must not call; the message says which."""


def checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be allowed.

    Raises :class:`NotPublic` for a private, loopback, link-local or otherwise
    non-public address, and OSError when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not allow_private and not is_public(address):
            raise NotPublic(
                f"{host} resolves to {address}, which is not a public address "
                f"({ALLOW_PRIVATE_FLAG} allows it)"
            )
    return addresses[0]


def connect_public(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """``socket.create_connection`` that resolves and checks the host once, and connects there."""
    host, port = address
    return socket.create_connection(
        (checked_address(host, port, allow_private=False), port), timeout, source_address
    )
