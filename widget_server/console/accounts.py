"""Teammates and their passwords: invitations, roles, removal, and password resets.

Passwords never travel through email or the command line: an invitation or
a reset sends a single-use link (through the outbox) to a page where the
person chooses their own. Tokens are stored only as their SHA-256, expire
(an invitation after 7 days, a reset after 1 hour) and die when used.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from widget_server import clock
from widget_server.brands import sessions
from widget_server.brands.models import Brand, BrandUser
from widget_server.brands.services import BrandError, change_password, find_brand_user
from widget_server.console import audit
from widget_server.console.models import UserToken
from widget_server.db import session
from widget_server.notifications.outbox import enqueue_email

ROLES = ("owner", "member")
INVITE, RESET = "invite", "reset"
TTL = {INVITE: timedelta(days=7), RESET: timedelta(hours=1)}
#: The password hash of someone invited who has not chosen a password yet:
#: no password ever matches it (it is not a hash werkzeug can read).
NO_PASSWORD = "!invited"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _issue(user: BrandUser, purpose: str) -> tuple[str, UserToken]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserToken(
        id=_digest(token),
        user_id=user.id,
        purpose=purpose,
        created_at=now,
        expires_at=now + TTL[purpose],
    )
    session.add(row)
    session.flush()
    return token, row


def set_password_url(token: str) -> str:
    """The page where the holder of ``token`` chooses a password."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/review/password/set/{token}"


def is_pending(user: BrandUser) -> bool:
    """Invited, but no password chosen yet."""
    return user.password_hash == NO_PASSWORD


def invite(brand: Brand, email: str, role: str, actor: str) -> BrandUser:
    """Invite ``email`` to ``brand`` as ``role`` and email them a set-password link.

    Inviting someone still pending sends a fresh link (the old ones stop
    working); someone with a sign-in already, here or at another brand, is
    refused with a sentence saying so.
    """
    if role not in ROLES:
        raise BrandError(f"role must be one of {', '.join(ROLES)}")
    email = email.strip().lower()
    user = find_brand_user(email)
    if user is not None and not (user.brand_id == brand.id and is_pending(user)):
        raise BrandError(f"{email} already has a sign-in")
    if user is None:
        user = BrandUser(brand=brand, email=email, password_hash=NO_PASSWORD, role=role)
        session.add(user)
        session.flush()
        audit.record(brand, actor, "team", "invited", None, f"{email} ({role})")
    else:
        _expire_tokens(user)
        if user.role != role:
            audit.record(brand, actor, "team", f"role of {email}", user.role, role)
            user.role = role
    token, row = _issue(user, INVITE)
    enqueue_email(
        to=email,
        template="team_invite",
        context={
            "brand": brand,
            "inviter": actor,
            "role": role,
            "url": set_password_url(token),
            "expires_at": row.expires_at.date(),
        },
        from_name=f"{brand.name} via Dots",
    )
    return user


def request_reset(email: str) -> None:
    """Email a reset link when ``email`` has a sign-in; do nothing visible otherwise.

    The caller answers the same either way, so the form tells no one which
    addresses have a sign-in.
    """
    user = find_brand_user(email)
    if user is None or is_pending(user):
        return
    token, _ = _issue(user, RESET)
    enqueue_email(
        to=user.email,
        template="password_reset",
        context={"brand": user.brand, "email": user.email, "url": set_password_url(token)},
    )


def usable_token(token: str) -> UserToken | None:
    """The unused, unexpired token row of ``token``, or None."""
    if not token or len(token) > 200:
        return None
    row = session.get(UserToken, _digest(token))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return row


def _expire_tokens(user: BrandUser) -> None:
    session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def use_token(row: UserToken, password: str) -> BrandUser:
    """Set the password of ``row``'s user and spend every open token of theirs.

    Raises marshmallow's ValidationError for a password that is too short or
    long (nothing is spent then). Every session of the user ends.
    """
    user = row.user
    change_password(user, password)
    _expire_tokens(user)
    session.flush()
    return user


def owners(brand: Brand) -> int:
    """How many owners ``brand`` has (invited ones included)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(BrandUser)
            .where(BrandUser.brand_id == brand.id, BrandUser.role == "owner")
        )
        or 0
    )


def set_role(brand: Brand, user: BrandUser, role: str, actor: str) -> None:
    """Make ``user`` an owner or a member; a brand always keeps one owner."""
    if role not in ROLES:
        raise BrandError(f"role must be one of {', '.join(ROLES)}")
    if user.role == role:
        return
    if user.role == "owner" and owners(brand) <= 1:
        raise BrandError("A brand needs at least one owner: make someone else owner first.")
    audit.record(brand, actor, "team", f"role of {user.email}", user.role, role)
    user.role = role
    session.flush()


def remove(brand: Brand, user: BrandUser, actor: BrandUser) -> None:
    """Take ``user``'s sign-in away: their sessions end at once, their row goes."""
    if user.id == actor.id:
        raise BrandError("You cannot remove yourself; another owner can.")
    if user.role == "owner" and owners(brand) <= 1:
        raise BrandError("A brand needs at least one owner.")
    sessions.revoke_all(user)
    audit.record(brand, actor.email, "team", "removed", user.email, None)
    session.delete(user)
    session.flush()


def team(brand: Brand) -> list[BrandUser]:
    """Everyone who signs in for ``brand``, owners first."""
    return list(
        session.scalars(
            select(BrandUser)
            .where(BrandUser.brand_id == brand.id)
            .order_by(BrandUser.role.desc(), BrandUser.email)
        )
    )
