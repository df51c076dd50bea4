"""A real SMTP server on loopback for the tests (aiosmtpd), recording what arrives.

It listens on 127.0.0.1 on a free port, can be stopped (connections are then
refused, like a server that is down) and started again on the same port, and
optionally speaks STARTTLS, implicit TLS and AUTH with certificates made by
:func:`make_certificates`.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

#: The From of emails in the SMTP tests (the ``smtp_app`` fixture sets it).
MAIL_FROM = "Dots <no-reply@dots.test>"


@dataclass(frozen=True)
class Received:
    """One message as the server took it: envelope, parsed message, session facts."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    tls: bool
    login: str | None

    def part(self, subtype: str) -> str:
        """The ``text/<subtype>`` body, decoded, with the wire's CRLF as LF."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype, subtype
        return str(body.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


#: Decides a DATA reply: None accepts, a string like "451 try later" refuses.
Rejecter = Callable[[Envelope], str | None]
#: Decides a RCPT TO reply for one address: None accepts, "550 5.1.1 No such user" refuses.
RcptRejecter = Callable[[str], str | None]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.server.reject_rcpt is not None and (reply := self.server.reject_rcpt(address)):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Session, envelope: Envelope) -> str:
        if self.server.reject is not None and (reply := self.server.reject(envelope)):
            return reply
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # STARTTLS swaps the transport for a TLS one; smtps starts with one.
        tls = smtp.transport.get_extra_info("ssl_object") is not None
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=message,
            tls=tls,
            login=session.auth_data if session.authenticated else None,
        )
        with self.server.lock:
            self.server.received.append(received)
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server that keeps every message it accepts.

    ``starttls`` (a server SSLContext) offers STARTTLS and requires it before
    MAIL; ``implicit_tls`` speaks TLS from the first byte (smtps). ``users``
    (login -> password) turns on AUTH and requires it.
    """

    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
        auth_require_tls: bool = True,
    ) -> None:
        self.port = free_port()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.users = users
        self.auth_require_tls = auth_require_tls
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.reject: Rejecter | None = None
        self.reject_rcpt: RcptRejecter | None = None
        self._controller: Controller | None = None

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and self.users is not None:
            login, password = data.login.decode(), data.password.decode()
            if self.users.get(login) == password:
                return AuthResult(success=True, auth_data=login)
        # handled=False makes aiosmtpd answer "535" (its default is to say nothing).
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        """Listen (again) on the same port."""
        assert self._controller is None, "already running"
        kwargs: dict[str, Any] = {}
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        if self.implicit_tls is not None:
            kwargs.update(ssl_context=self.implicit_tls)
        if self.users is not None:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=self.auth_require_tls,
            )
        controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=5, **kwargs
        )
        # The port was free a moment ago, and a restart reuses it: retry
        # briefly while the old listener's socket is released.
        deadline = time.monotonic() + 5
        while True:
            try:
                controller.start()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                controller = Controller(
                    _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=5, **kwargs
                )
                time.sleep(0.05)
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def url(self) -> str:
        """A ``DOTS_SMTP_URL`` for this server (no credentials, no TLS)."""
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        """What arrived so far, in order (a copy)."""
        with self.lock:
            return list(self.received)

    def message_ids(self) -> list[str]:
        return [str(item.message["Message-ID"]) for item in self.messages]


def make_certificates(folder: Path) -> tuple[Path, Path, Path] | None:
    """A test CA and a server certificate for localhost and 127.0.0.1.

    Returns ``(ca.pem, server.pem, server.key)``, or None without an
    ``openssl`` command. EC keys keep this to a few milliseconds.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, csr = folder / "server.pem", folder / "server.key", folder / "server.csr"
    ext = folder / "server.ext"
    ext.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    commands = [
        [openssl, "req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2"]
        + ["-subj", "/CN=Dots test CA"]
        + ["-addext", "basicConstraints=critical,CA:TRUE"]
        + ["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        [openssl, "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key]
        + ["-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
    ]
    for command in commands:
        subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return ca, cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The SSLContext a TLS-speaking test server presents."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
