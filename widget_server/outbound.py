"""Which addresses the server may call on a brand's say (catalog feeds, webhooks).

A brand types a URL and the server fetches it or POSTs to it: without a
check, anyone with a brand sign-in could make it reach ``http://127.0.0.1:…``,
the private network or a cloud metadata address. Only public addresses are
called, unless ``DOTS_ALLOW_PRIVATE_URLS`` (or the demo, whose store is on
loopback) says the other end lives on this machine or network.
"""

from __future__ import annotations

import ipaddress

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
