"""Brand sign-in: one place that loads the signed-in user and their brand.

Every review view runs behind :func:`login_required`, which puts the user in
``g.user`` and the brand in ``g.brand``; every query then filters by
``g.brand.id`` (see :func:`get_request_or_404`), so another brand's request
is a 404, never a 403 that would confirm it exists.

The session cookie holds only a random token; the session itself lives in the
database (:mod:`widget_server.brands.sessions`), so signing out, changing the
password or an admin's revocation ends it at once, copies of the cookie too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.security import check_password_hash, generate_password_hash

from widget_server.brands import sessions
from widget_server.brands.models import BrandUser
from widget_server.brands.services import find_brand_user
from widget_server.catalog.models import Product
from widget_server.config import duration_setting
from widget_server.db import session as db
from widget_server.influencers.models import Influencer
from widget_server.product_requests.models import ProductRequest

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")

#: The key of the session token in Flask's (signed) session cookie.
_TOKEN = "sid"

# Checked when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def idle_timeout() -> timedelta:
    """``DOTS_REVIEW_IDLE_TIMEOUT``: a session unused this long has ended."""
    return duration_setting(current_app.config, "REVIEW_IDLE_TIMEOUT")


def check_password(user: BrandUser | None, password: str) -> bool:
    """Does ``password`` belong to ``user``? (Same cost when there is no user.)"""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(email: str, password: str) -> BrandUser | None:
    """The user with these credentials, or None."""
    user = find_brand_user(email)
    return user if check_password(user, password) else None


def sign_in(user: BrandUser) -> None:
    """Start a fresh session for ``user``, dropping whatever the old one held.

    A new token (and a new CSRF token) every time: a token planted before
    sign-in is worth nothing after it, and the session this browser held
    before (signing in again, or after a password change) ends on the server.
    """
    sessions.end(session.get(_TOKEN) or "")
    session.clear()
    session[_TOKEN] = sessions.start(user)
    session.permanent = True
    g.user, g.brand = user, user.brand


def sign_out() -> None:
    """End this browser's session on the server, then forget the cookie."""
    sessions.end(session.get(_TOKEN) or "")
    session.clear()


def load_user() -> None:
    """Before-request hook: ``g.user`` and ``g.brand`` from the live session, if any.

    A cookie whose session has ended is cleared, and the sign-in page says
    why (``g.session_ended``).
    """
    g.user = g.brand = None
    token = session.get(_TOKEN)
    if not token:
        return
    found = sessions.resume(str(token), idle_timeout())
    if found is None:
        session.clear()
        g.session_ended = True
        return
    g.user = found.user
    g.brand = g.user.brand


def login_required(view: F) -> F:
    """Send anonymous visitors to the sign-in page, then back."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            if g.get("session_ended"):
                flash("Your session has ended. Please sign in again.", "info")
            return redirect(url_for("review.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def owner_required(view: F) -> F:
    """Signed in, and an owner: members review requests but change no settings or team.

    A member gets a 403 page (they know the page exists; it is their brand's).
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user.role != "owner":
            raise Forbidden("Only owners of this brand can open this page. Ask an owner for help.")
        return view(*args, **kwargs)

    return login_required(wrapped)  # type: ignore[return-value]


def get_owned_or_404(model: type[M], ident: int, what: str, *options: Any) -> M:
    """The signed-in brand's ``model`` row ``ident``; 404 for any other brand's.

    The one tenant check of the review site: every brand page loads the rows
    its URL names through here (``model`` has ``id`` and ``brand_id``).
    """
    found = db.scalar(
        select(model)
        .where(model.id == ident, model.brand_id == g.brand.id)  # type: ignore[attr-defined]
        .options(*options)
    )
    if found is None:
        raise NotFound(f"There is no such {what}.")
    return found


def get_request_or_404(request_id: int) -> ProductRequest:
    """This brand's request ``request_id``; 404 for any other brand's."""
    return get_owned_or_404(
        ProductRequest,
        request_id,
        "request",
        selectinload(ProductRequest.items),
        selectinload(ProductRequest.events),
        selectinload(ProductRequest.influencer).selectinload(Influencer.handles),
    )


def get_teammate_or_404(user_id: int) -> BrandUser:
    """This brand's user ``user_id``; 404 for any other brand's."""
    return get_owned_or_404(BrandUser, user_id, "teammate")


def get_product_or_404(product_id: int) -> Product:
    """This brand's product ``product_id``; 404 for any other brand's."""
    return get_owned_or_404(Product, product_id, "product")
