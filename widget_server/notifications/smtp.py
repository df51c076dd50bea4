"""SMTP delivery: ``DOTS_SMTP_URL`` parsing and one connection per batch.

``smtp://host:25`` (plain), ``smtp://user:pass@host:587?starttls=1`` (upgrade
with STARTTLS, never silently falling back to plain text) and
``smtps://user:pass@host:465`` (TLS from the first byte). User and password
are URL-decoded, so ``p%40ss`` is ``p@ss``.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from contextlib import suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import parse_qs, quote, unquote, urlsplit

PLAIN = "plain"
STARTTLS = "starttls"
TLS = "tls"

DEFAULT_TIMEOUT = 10.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SmtpUnavailable(Exception):
    """The server could not be reached or would not let us in (connect, TLS, login).

    Nothing else in the batch can be delivered through this connection either.
    """


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect, parsed from ``DOTS_SMTP_URL``."""

    host: str
    port: int
    security: str = PLAIN
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        """The URL without the password, for logs and errors."""
        scheme = "smtps" if self.security == TLS else "smtp"
        user = f"{quote(self.username, safe='')}@" if self.username else ""
        query = "?starttls=1" if self.security == STARTTLS else ""
        return f"{scheme}://{user}{self.host}:{self.port}{query}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse an ``smtp://`` or ``smtps://`` URL, or raise ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {scheme or url!r}")
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    query = parse_qs(parts.query, keep_blank_values=True)
    # A misspelt option ("startls=1") must not quietly send mail in clear text.
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise ValueError(f"unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
    starttls = query.get("starttls", ["0"])[-1].lower()
    if starttls not in _TRUE | _FALSE:
        raise ValueError(f"starttls must be 1 or 0, not {starttls!r}")
    if scheme == "smtps":
        if starttls in _TRUE:
            raise ValueError("smtps:// is TLS already; starttls=1 applies to smtp:// only")
        security = TLS
    else:
        security = STARTTLS if starttls in _TRUE else PLAIN
    try:
        timeout = float(query.get("timeout", [DEFAULT_TIMEOUT])[-1])
        port = parts.port
    except ValueError:
        raise ValueError("SMTP URL has a bad port or timeout") from None
    if timeout <= 0:
        raise ValueError("SMTP timeout must be positive")
    if port is None:
        port = {PLAIN: 25, STARTTLS: 587, TLS: 465}[security]
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout,
    )


def ehlo_name(host: str | None) -> str | None:
    """The name to greet the server with; IP addresses as address literals.

    Passing it avoids smtplib's ``socket.getfqdn()``, which can hang on a
    machine with slow DNS.
    """
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


def open_connection(settings: SmtpSettings, *, local_hostname: str | None = None) -> smtplib.SMTP:
    """Connect, secure and log in as ``settings`` say, or raise :class:`SmtpUnavailable`.

    Certificates are verified against the system's trust store
    (``ssl.create_default_context``; ``SSL_CERT_FILE`` points it elsewhere).
    """
    context = ssl.create_default_context()
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == TLS:
            smtp = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                local_hostname=local_hostname,
                timeout=settings.timeout,
                context=context,
            )
        else:
            smtp = smtplib.SMTP(
                settings.host,
                settings.port,
                local_hostname=local_hostname,
                timeout=settings.timeout,
            )
        smtp.ehlo()
        if settings.security == STARTTLS:
            # Raises SMTPNotSupportedError when the server does not offer it:
            # we never fall back to sending the password in clear text.
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            smtp.close()
        raise SmtpUnavailable(f"{settings.describe()}: {describe_error(exc)}") from exc
    return smtp


def describe_error(exc: BaseException) -> str:
    """A one-line description of an SMTP or network error."""
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {' '.join(detail.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in exc.recipients.items()
        )
        return f"recipient refused ({refused})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class SmtpTransport:
    """Sends messages over one connection, opened on first use and reused.

    A refused message leaves the connection usable (smtplib resets the
    transaction); a dropped connection is closed and reopened for the next
    message.
    """

    def __init__(self, settings: SmtpSettings, *, local_hostname: str | None = None) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise (:class:`SmtpUnavailable` if no connection)."""
        reused = self._smtp is not None
        try:
            self._send(message)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
            # Most likely the server closed the connection we kept open since
            # the previous message (idle timeout, or it hung up after a
            # refusal): try once on a fresh one. In the rare case it hung up
            # after taking the message, the copy has the same Message-ID.
            self._send(message)

    def _send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = open_connection(self.settings, local_hostname=self.local_hostname)
        try:
            self._smtp.send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
        ):
            # smtplib has reset the transaction: the connection is still good.
            raise
        except (OSError, smtplib.SMTPException):
            # The connection is in an unknown state: start afresh next time.
            self._drop()
            raise

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say goodbye politely; a server that already hung up is fine."""
        if self._smtp is not None:
            with suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()
