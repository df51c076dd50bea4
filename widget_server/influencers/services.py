"""Influencers and links: create, issue, revoke."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.config import parse_duration
from widget_server.db import session
from widget_server.influencers.models import Influencer, InfluencerLink, SocialHandle
from widget_server.influencers.schemas import InfluencerInput
from widget_server.influencers.tokens import sign_link
from widget_server.validation import normalize_origin

_MULTIPLIERS = {"k": 1_000, "m": 1_000_000}


class InfluencerError(ValueError):
    """An influencer or link operation that cannot be done, and why."""


def parse_handle_spec(spec: str) -> dict[str, Any]:
    """``"instagram:@ana:12.5k"`` -> ``{"platform", "handle", "followers"}``."""
    parts = spec.split(":")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise InfluencerError(
            f"{spec!r} is not PLATFORM:HANDLE:FOLLOWERS (e.g. instagram:ana:12000)"
        )
    platform, handle, count = (p.strip() for p in parts)
    multiplier = _MULTIPLIERS.get(count[-1].lower(), 1)
    number = count[:-1] if multiplier > 1 else count
    try:
        followers = round(float(number.replace(",", "")) * multiplier)
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        raise InfluencerError(f"{spec!r}: follower count {count!r} is not a number") from None
    return {"platform": platform, "handle": handle, "followers": followers}


def find_influencer(email: str) -> Influencer | None:
    """The influencer with this email (case-insensitive), or None."""
    return session.scalar(select(Influencer).where(Influencer.email == email.strip().lower()))


def create_influencer(data: dict[str, Any]) -> Influencer:
    """Create an influencer from raw input (validated by :class:`InfluencerInput`)."""
    data = InfluencerInput().load(data)
    email = data["email"].lower()
    if find_influencer(email) is not None:
        raise InfluencerError(f"an influencer with email {email!r} already exists")
    keys = [(handle["platform"], handle["handle"]) for handle in data["handles"]]
    for key in keys:
        if keys.count(key) > 1:
            raise InfluencerError(f"handle {key[0]}:{key[1]} is given twice")
    influencer = Influencer(name=data["name"], email=email, country=data.get("country"))
    influencer.handles = [SocialHandle(**handle) for handle in data["handles"]]
    session.add(influencer)
    session.flush()
    return influencer


def _account(influencer: Influencer, platform: str, name: str) -> SocialHandle | None:
    # Platforms treat handles case-insensitively: "Ana" and "ana" are one account.
    return next(
        (
            handle
            for handle in influencer.handles
            if handle.platform == platform and handle.handle.lower() == name.lower()
        ),
        None,
    )


def state_handle(influencer: Influencer, data: dict[str, Any]) -> SocialHandle:
    """Add an account the influencer states, or update its follower count.

    ``data`` is loaded by :class:`~widget_server.influencers.schemas.HandleSchema`.
    Either way the account is marked ``stated_at`` now: the follower count is
    the influencer's word, and the brand is told so.
    """
    platform, name = data["platform"], data["handle"]
    found = _account(influencer, platform, name)
    if found is None:
        try:
            with session.begin_nested():
                found = SocialHandle(platform=platform, handle=name, followers=data["followers"])
                influencer.handles.append(found)
                session.flush()
        except IntegrityError:
            # A twin call (a double click) added it first: update that one.
            session.expire(influencer, ["handles"])
            found = _account(influencer, platform, name)
            if found is None:
                raise
    found.followers = data["followers"]
    found.stated_at = clock.now()
    session.flush()
    return found


def link_url(link: InfluencerLink) -> str:
    """The store URL with the token in the fragment (never sent to the store's server)."""
    parts = urlsplit(link.store_url)
    fragment = f"{parts.fragment}&" if parts.fragment else ""
    return urlunsplit(parts._replace(fragment=f"{fragment}dots={sign_link(link)}"))


def issue_link(
    brand: Brand, influencer: Influencer, store_url: str | None = None, ttl: str | None = None
) -> InfluencerLink:
    """Create a link for ``influencer`` to ``brand``'s store, valid for ``ttl``."""
    url = store_url or brand.store_url
    try:
        origin = normalize_origin(urlunsplit(urlsplit(url)[:2] + ("", "", "")))
    except ValueError:
        raise InfluencerError(f"{url!r} is not an http(s) URL") from None
    if origin not in brand.allowed_origins:
        allowed = ", ".join(brand.allowed_origins)
        raise InfluencerError(f"{url!r} is not on one of {brand.slug}'s origins ({allowed})")
    now = clock.now()
    try:
        expires_at = now + parse_duration(ttl or "30d")
    except ValueError as exc:
        raise InfluencerError(str(exc)) from None
    except OverflowError:
        raise InfluencerError(f"{ttl!r} is too long a duration") from None
    link = InfluencerLink(
        brand=brand, influencer=influencer, store_url=url, issued_at=now, expires_at=expires_at
    )
    session.add(link)
    session.flush()
    return link


def revoke_link(link: InfluencerLink) -> None:
    """Revoke ``link`` now (idempotent: the first revocation time is kept)."""
    if link.revoked_at is None:
        link.revoked_at = clock.now()
    session.flush()
