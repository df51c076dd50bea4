"""Brand sign-in: one place that loads the signed-in user and their brand.

Every review view runs behind :func:`login_required`, which puts the user in
``g.user`` and the brand in ``g.brand``; every query then filters by
``g.brand.id`` (see :func:`get_request_or_404`), so another brand's request
is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound
from werkzeug.security import check_password_hash, generate_password_hash

from widget_server.brands.models import BrandUser
from widget_server.db import session as db
from widget_server.influencers.models import Influencer
from widget_server.product_requests.models import ProductRequest

F = TypeVar("F", bound=Callable[..., Any])

# Checked when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(email: str, password: str) -> BrandUser | None:
    """The user with these credentials, or None."""
    user = db.scalar(select(BrandUser).where(BrandUser.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def sign_in(user: BrandUser) -> None:
    """Start a fresh session for ``user``, dropping whatever the old one held."""
    session.clear()
    session["user_id"] = user.id
    session.permanent = True


def sign_out() -> None:
    session.clear()


def load_user() -> None:
    """Before-request hook: ``g.user`` and ``g.brand`` from the session cookie."""
    user_id = session.get("user_id")
    g.user = db.get(BrandUser, user_id) if user_id else None
    g.brand = g.user.brand if g.user else None


def login_required(view: F) -> F:
    """Send anonymous visitors to the sign-in page, then back."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("review.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def get_request_or_404(request_id: int) -> ProductRequest:
    """This brand's request ``request_id``; 404 for any other brand's."""
    found = db.scalar(
        select(ProductRequest)
        .where(ProductRequest.id == request_id, ProductRequest.brand_id == g.brand.id)
        .options(
            selectinload(ProductRequest.items),
            selectinload(ProductRequest.events),
            selectinload(ProductRequest.influencer).selectinload(Influencer.handles),
        )
    )
    if found is None:
        raise NotFound("There is no such request.")
    return found
