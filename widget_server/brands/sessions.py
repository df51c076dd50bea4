"""Review sessions kept on the server, so that ending one takes effect at once.

A signed cookie alone cannot be taken back: a copy keeps working until it
expires. So the cookie carries only a random token, and each request looks up
the token's SHA-256 in ``review_session``. A session ends when it is revoked
(sign-out, a password change, ``widget-server brand user sessions revoke``),
after :data:`ABSOLUTE_LIFETIME` since sign-in however busy it is, or after the
idle timeout (``DOTS_REVIEW_IDLE_TIMEOUT``) without a request.

Why a table rather than a per-user "session version" in the cookie: a version
can only end *every* session of a user at once (signing out on one laptop
would sign out the phone too), and it cannot enforce an idle timeout on the
server, because the last-seen time would have to live in the cookie, which
any copy replays. A row per session does both, and lists who is signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update

from widget_server import clock
from widget_server.brands.models import BrandUser, ReviewSession
from widget_server.db import session

#: A session ends this long after sign-in, whatever happens in between.
ABSOLUTE_LIFETIME = timedelta(hours=12)
#: ``last_seen_at`` is written at most this often (a page view is not a write).
TOUCH_EVERY = timedelta(minutes=1)
#: Idle timeout when the app does not say otherwise.
DEFAULT_IDLE_TIMEOUT = timedelta(hours=2)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(user: BrandUser) -> str:
    """Open a session for ``user``; return the token for the cookie (stored only hashed).

    Also deletes the user's sessions that ended by age, so the table holds
    at most a day or so of rows per user.
    """
    now = clock.now()
    session.execute(
        delete(ReviewSession)
        .where(
            ReviewSession.user_id == user.id, ReviewSession.created_at <= now - ABSOLUTE_LIFETIME
        )
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    session.add(ReviewSession(id=_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def ends_at(row: ReviewSession, idle_timeout: timedelta) -> datetime:
    """When ``row`` ends if nothing revokes it: idle or absolute, whichever is first."""
    return min(row.created_at + ABSOLUTE_LIFETIME, row.last_seen_at + idle_timeout)


def is_live(row: ReviewSession, idle_timeout: timedelta, now: datetime | None = None) -> bool:
    """Not revoked, not idle too long, and younger than the absolute lifetime."""
    return row.revoked_at is None and (now or clock.now()) < ends_at(row, idle_timeout)


def resume(token: str, idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT) -> ReviewSession | None:
    """The live session of ``token``, marked as seen now; None when it has ended.

    Being seen moves only the idle deadline: the absolute one never moves,
    so a busy session still ends 12 hours after sign-in.
    """
    if not token or len(token) > 200:
        return None
    row = session.get(ReviewSession, _digest(token))
    now = clock.now()
    if row is None or not is_live(row, idle_timeout, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return row


def _revoke(*conditions: ColumnElement[bool]) -> int:
    """Revoke the open sessions matching ``conditions``; return how many."""
    result = session.execute(
        update(ReviewSession)
        .where(ReviewSession.revoked_at.is_(None), *conditions)
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end(token: str) -> None:
    """Revoke the session of ``token`` (sign-out); unknown or ended tokens are fine."""
    if token:
        _revoke(ReviewSession.id == _digest(token))


def revoke_all(user: BrandUser) -> int:
    """Revoke every session of ``user``; return how many had not reached their 12 hours."""
    return _revoke(
        ReviewSession.user_id == user.id,
        ReviewSession.created_at > clock.now() - ABSOLUTE_LIFETIME,
    )


def live_sessions(user: BrandUser, idle_timeout: timedelta) -> list[ReviewSession]:
    """``user``'s sessions that have not ended, newest first."""
    now = clock.now()
    rows = session.scalars(
        select(ReviewSession)
        .where(
            ReviewSession.user_id == user.id,
            ReviewSession.revoked_at.is_(None),
            ReviewSession.created_at > now - ABSOLUTE_LIFETIME,
        )
        .order_by(ReviewSession.created_at.desc())
    )
    return [row for row in rows if is_live(row, idle_timeout, now)]
