"""Delivering a webhook: the address check, the signature, one HTTP POST.

The outbox's sender (:mod:`widget_server.notifications.sender`) claims
webhook rows like emails and calls :func:`deliver`; the retries, the backoff
and the giving up are the outbox's own.

Signature: ``Dots-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the brand's secret>``. The timestamp is signed with the
body, so a receiver that refuses old timestamps (5 minutes) and delivery ids
it has seen (``Dots-Delivery``, new for every attempt) cannot be fed a
recorded call again. The event's own ``id`` in the body stays the same across
attempts: that is what a receiver de-duplicates on.

SSRF: only http(s), and the host must resolve to public addresses only
(unless ``DOTS_ALLOW_PRIVATE_URLS``); the connection then goes to the very
address that was checked, so a DNS answer that changes in between (rebinding)
cannot redirect it, and redirects are never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import secrets
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from widget_server.outbound import NotPublic, checked_address

#: Seconds to connect, and to wait for the answer (a batch must end well within its lease).
TIMEOUT = 5.0
#: Statuses that mean "never send this again": the receiver is gone.
PERMANENT_STATUSES = frozenset({410})
SECRET_PREFIX = "whsec_"


class WebhookFailed(Exception):
    """A delivery that did not get a 2xx; ``permanent`` when retrying cannot help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        permanent: bool = False,
        delivery_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        #: Set once a POST was tried (the receiver may have logged it).
        self.delivery_id = delivery_id


@dataclass(frozen=True)
class Attempt:
    """What one POST got: the receiver's status code."""

    delivery_id: str
    status: int


def new_secret() -> str:
    """A webhook signing secret (shown to the brand, kept as is: signing needs it)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Dots-Signature`` header value of ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def check_scheme(url: str) -> None:
    """ValueError unless ``url`` is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")


def allowed_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host`` (see :func:`widget_server.outbound.checked_address`).

    Raises WebhookFailed (permanent) for a private, loopback, link-local or
    otherwise non-public address; a name that does not resolve is temporary.
    """
    try:
        return checked_address(host, port, allow_private)
    except NotPublic as exc:
        raise WebhookFailed(str(exc), permanent=True) from None
    except OSError as exc:
        raise WebhookFailed(f"cannot resolve {host}: {exc}") from None


def _connection(url: str, allow_private: bool) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookFailed(f"{url!r} is not an http(s) URL", permanent=True)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = allowed_address(parts.hostname, port, allow_private)
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT)

    def connect_checked(*_args: object) -> socket.socket:
        # The checked address, whatever the name resolves to now; TLS still
        # verifies the certificate against the host name.
        return socket.create_connection((address, port), TIMEOUT)

    connection._create_connection = connect_checked  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection, path


def deliver(url: str, secret: str, event: str, body: bytes, allow_private: bool) -> Attempt:
    """POST ``body`` to ``url`` signed with ``secret``; the Attempt on a 2xx, else WebhookFailed."""
    delivery_id = uuid.uuid4().hex
    connection, path = _connection(url, allow_private)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Dots-Webhooks/1",
        "Dots-Event": event,
        "Dots-Delivery": delivery_id,
        "Dots-Signature": signature(secret, int(time.time()), body),
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailed(
            f"no answer from {url}: {type(exc).__name__}: {exc}", delivery_id=delivery_id
        ) from None
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Attempt(delivery_id, response.status)
    raise WebhookFailed(
        f"HTTP {response.status} from {url}",
        status=response.status,
        permanent=response.status in PERMANENT_STATUSES,
        delivery_id=delivery_id,
    )
