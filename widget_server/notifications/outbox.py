"""Writing emails into the outbox, rendered from Jinja templates.

An email is rendered when its event happens (the request may change later)
and stored in the caller's transaction: the state change and the promise to
tell someone about it commit together or not at all.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup, escape

from widget_server.db import session
from widget_server.money import format_minor
from widget_server.notifications.models import WEBHOOK, OutboxMessage
from widget_server.validation import display_value, platform_name

TEMPLATES = Path(__file__).parent / "templates" / "email"

#: Longest subject stored (the column's size); longer ones are cut with "…".
MAX_SUBJECT = 500

#: Longest From display name stored (the column's size).
MAX_FROM_NAME = 300

#: Templates whose default Reply-To is the brand's notify address: the brand
#: wrote them, so an answer should reach the brand, not the no-reply sender.
_REPLY_TO_BRAND = frozenset({"brand_message"})


def _date_text(value: str | date | None) -> str:
    """``"2026-04-05"`` -> ``"5 April 2026"`` (unambiguous in every locale)."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day.day} {day:%B %Y}"


def is_http_url(value: object) -> bool:
    """Only http(s) links become ``href``s: never ``javascript:`` or ``data:``."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def _lines_br(value: str | None) -> Markup:
    """Escape text, then keep its line breaks as ``<br>`` in HTML."""
    lines = (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def _followers(count: int | None) -> str:
    """``12500`` -> ``"12.5k"``, ``1200000`` -> ``"1.2M"``."""
    count = count or 0
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= limit:
            return f"{count / limit:.1f}".removesuffix(".0") + suffix
    return str(count)


def _first_name(name: str | None) -> str:
    """``"Ana Lima"`` -> ``"Ana"``: emails greet people as a person would."""
    parts = (name or "").split()
    return parts[0] if parts else "there"


@cache
def environment() -> Environment:
    """The Jinja environment of email templates (built once).

    Autoescaping is on for ``.html`` only: text parts and subjects are not
    HTML, and escaping there would show ``&amp;`` to readers. StrictUndefined
    turns a misspelt variable into an error at enqueue time instead of an
    email with a hole in it.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=lambda name: bool(name and name.endswith(".html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Names, titles and messages as people may see them: no bidi tricks, no bad text.
        finalize=display_value,
    )
    env.filters["money"] = format_minor
    env.filters["date_text"] = _date_text
    env.filters["lines_br"] = _lines_br
    env.filters["followers"] = _followers
    env.filters["first_name"] = _first_name
    env.filters["platform_name"] = platform_name
    env.tests["http_url"] = is_http_url
    return env


def one_line(text: str) -> str:
    """Collapse all whitespace, CR and LF included, into single spaces.

    Header values must never contain a line break: a name like
    ``"Ana\\r\\nBcc: x@y"`` must not become a header of its own.
    """
    return " ".join(text.split())


def render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render ``template`` into ``(subject, text, html)``.

    Raises ValueError when a part of the template does not exist.
    """
    env = environment()
    full = {"public_url": current_app.config["PUBLIC_URL"].rstrip("/"), **context}
    try:
        subject = env.get_template(f"{template}.subject.txt").render(full)
        text = env.get_template(f"{template}.txt").render(full)
        html = env.get_template(f"{template}.html").render(full)
    except TemplateNotFound as exc:
        raise ValueError(f"no email template {exc.name!r}") from None
    subject = one_line(subject)
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return subject, text, html


def _address(value: str, what: str) -> str:
    value = value.strip()
    # A line break would let the value start a header of its own.
    if not value or "\r" in value or "\n" in value or "@" not in value:
        raise ValueError(f"{what} {value!r} is not an email address")
    return value


def enqueue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    reply_to: str | None = None,
    from_name: str | None = None,
    request_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Render now (subject, text, html) and add an outbox row to the current session.

    The caller's transaction commits it together with the state change (no
    commit here: only ``session.add`` and a flush, so the row has its id).
    ``brand_message`` emails default their Reply-To to the brand's notify
    address, and ``request_id`` defaults to ``context["request"].id``.
    ``from_name`` replaces the display name of ``DOTS_MAIL_FROM`` (the
    address stays the service's own, so the mail still passes SPF/DKIM).
    ``not_before`` holds the email back until then (an approval that can
    still be undone); the sender only takes due rows.
    """
    request = context.get("request")
    if reply_to is None and template in _REPLY_TO_BRAND and request is not None:
        reply_to = request.brand.notify_email
    if request_id is None and request is not None:
        request_id = request.id
    subject, text, html = render(template, context)
    message = OutboxMessage(
        to_addr=_address(to, "recipient"),
        reply_to=_address(reply_to, "reply-to") if reply_to else None,
        from_name=one_line(from_name or "")[:MAX_FROM_NAME] or None,
        subject=subject,
        text_body=text,
        html_body=html,
        template=template,
        request_id=request_id,
    )
    if not_before is not None:
        message.next_attempt_at = not_before
    session.add(message)
    session.flush()
    return message


def enqueue_webhook(
    *,
    brand_id: int,
    url: str,
    event: str,
    data: dict[str, Any],
    request_id: int | None,
    created_at: datetime,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a webhook for ``url`` to the outbox, in the caller's transaction.

    The body is fixed now, like an email's text: every retry sends the same
    bytes, and its ``id`` lets the receiver recognise a second delivery of
    one event (a retry after a lost answer). ``not_before``: as for emails.
    """
    body = {
        "id": f"evt_{secrets.token_hex(12)}",
        "type": event,
        "created_at": created_at.isoformat(),
        "data": data,
    }
    message = OutboxMessage(
        kind=WEBHOOK,
        to_addr=url,
        brand_id=brand_id,
        subject=event,
        template=event[:64],
        text_body=json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str),
        html_body="",
        request_id=request_id,
        created_at=created_at,
        next_attempt_at=not_before or created_at,
    )
    session.add(message)
    session.flush()
    return message
