"""What a message may be, and which threads still take one (shared by both sides' input)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from widget_server import clock
from widget_server.product_requests import states
from widget_server.product_requests.models import ProductRequest
from widget_server.validation import BIDI_CONTROLS

BRAND = "brand"
INFLUENCER = "influencer"
SIDES = (BRAND, INFLUENCER)

#: Longest message, in characters after trimming (both sides).
MAX_BODY = 2000

#: A thread stays open this long after its request ended (denied, expired,
#: withdrawn, cancelled, completed): long enough to sort out a parcel or say
#: thanks, short enough that a stale link cannot write about last year's request.
OPEN_AFTER_END = timedelta(days=30)

#: Statuses after which nothing more happens to a request.
ENDED = frozenset(
    {states.DENIED, states.EXPIRED, states.WITHDRAWN, states.CANCELLED, states.COMPLETED}
)

# C0 and C1 controls and DEL, but not tab and line feed (line breaks are kept);
# carriage returns are turned into line feeds first. Also bidirectional
# overrides (a message must read as it was typed), NUL and lone surrogates.
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def normalize(text: str) -> str:
    """Line breaks as ``\\n``, surrounding blank space trimmed: the text as stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def problem(text: str) -> str | None:
    """Why ``text`` (normalized) cannot be a message, or None."""
    if not text:
        return "Write a message."
    if len(text) > MAX_BODY:
        return f"Write at most {MAX_BODY:,} characters (this is {len(text):,})."
    if _REFUSED.search(text) or BIDI_CONTROLS.search(text):
        return "Remove the control characters from the message."
    return None


def ended_at(request: ProductRequest, now: datetime | None = None) -> datetime | None:
    """When ``request`` ended (its last step's time), or None while it goes on.

    ``decided_at`` is the approval for a cancelled or completed request, so
    the end is the last event of the request's final status; an expiry the
    sweeper has not written yet ended at ``expires_at``.
    """
    status = states.effective_status(request, now)
    if status not in ENDED:
        return None
    if status != request.status:  # expired, not yet swept
        return request.expires_at
    finals = [event.created_at for event in request.events if event.kind == status]
    return max(finals) if finals else states.effective_decided_at(request, now)


def closed(request: ProductRequest, now: datetime | None = None) -> bool:
    """Whether the thread no longer takes messages (ended more than 30 days ago)."""
    now = now or clock.now()
    end = ended_at(request, now)
    return end is not None and end + OPEN_AFTER_END < now
