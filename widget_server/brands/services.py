"""Creating and finding brands: the one brand-scoped lookup lives here."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from widget_server.brands import sessions
from widget_server.brands.models import Brand, BrandUser
from widget_server.brands.schemas import BrandInput, BrandUserInput
from widget_server.db import session
from widget_server.errors import ApiError
from widget_server.money import MAX_MINOR, format_minor, to_minor

DEFAULT_MAX_VALUE = "300"


class BrandError(ValueError):
    """A brand operation that cannot be done, with a sentence saying why."""


def find_brand(slug: str) -> Brand | None:
    """The brand with this slug, or None."""
    return session.scalar(select(Brand).where(Brand.slug == slug))


def get_brand(slug: str) -> Brand:
    """The brand with this slug; raise a 404 ``unknown_brand`` when there is none."""
    brand = find_brand(slug)
    if brand is None:
        raise ApiError(404, "unknown_brand", f"There is no brand {slug!r}.")
    return brand


def _apply(brand: Brand, data: dict[str, Any]) -> None:
    max_value = data.pop("max_value", None)
    for key, value in data.items():
        setattr(brand, key, value)
    if max_value is not None:
        try:
            minor = to_minor(max_value, brand.currency)
        except ValueError as exc:
            raise BrandError(f"max value: {exc}") from None
        if minor > MAX_MINOR:
            largest = format_minor(MAX_MINOR, brand.currency)
            raise BrandError(f"max value: {max_value} is more than the most allowed ({largest})")
        brand.max_value_minor = minor


def create_brand(data: dict[str, Any]) -> Brand:
    """Create a brand from input that :class:`BrandInput` has loaded."""
    data = BrandInput().load(data)
    if find_brand(data["slug"]) is not None:
        raise BrandError(f"a brand with slug {data['slug']!r} already exists")
    brand = Brand(currency=data.pop("currency", "USD"))
    # The default limit is 300 in the brand's own currency (not 300 minor units).
    data.setdefault("max_value", DEFAULT_MAX_VALUE)
    _apply(brand, data)
    session.add(brand)
    session.flush()
    return brand


def update_brand(brand: Brand, data: dict[str, Any]) -> Brand:
    """Change some of a brand's settings (slug excluded: links point at it)."""
    data = BrandInput(partial=True, exclude=("slug",)).load(data)
    _apply(brand, data)
    session.flush()
    return brand


def add_brand_user(brand: Brand, email: str, password: str) -> BrandUser:
    """Give someone a sign-in for ``brand``."""
    data = BrandUserInput().load({"email": email, "password": password})
    email = data["email"].lower()
    if session.scalar(select(BrandUser).where(BrandUser.email == email)) is not None:
        raise BrandError(f"a user with email {email!r} already exists")
    user = BrandUser(brand=brand, email=email, password_hash=_hash(password))
    session.add(user)
    session.flush()
    return user


def _hash(password: str) -> str:
    return generate_password_hash(
        password, current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def find_brand_user(email: str) -> BrandUser | None:
    """The brand user with this email (case-insensitive), or None."""
    return session.scalar(select(BrandUser).where(BrandUser.email == email.strip().lower()))


def change_password(user: BrandUser, password: str) -> int:
    """Give ``user`` a new password and end every session they have open.

    Whoever held a session (or a copy of its cookie) signs in again with the
    new password. Returns how many sessions were ended.
    """
    data = BrandUserInput(only=("password",)).load({"password": password})
    user.password_hash = _hash(data["password"])
    ended = sessions.revoke_all(user)
    session.flush()
    return ended
