"""Applications through a brand's open invitation, and its auto-accept rules."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import Base
from widget_server.influencers.models import InfluencerLink

#: Sent the form, has not clicked the confirmation link yet (invisible to the brand).
UNCONFIRMED = "unconfirmed"
#: Confirmed their email: waits on the Influencers page for the brand.
PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
APPLICATION_STATUSES = (UNCONFIRMED, PENDING, ACCEPTED, DECLINED)


def _nonce() -> str:
    return secrets.token_urlsafe(9)


class Application(Base):
    """Someone who applied through ``/apply/<slug>``.

    Kept apart from :class:`~widget_server.influencers.models.Influencer`
    until the brand accepts: an application is a stranger's word, and a
    stranger must not be able to change an existing influencer's profile.
    The confirmation token names this row and its ``nonce``; a new nonce
    (after confirming) makes the old confirmation link worthless.
    """

    __tablename__ = "influencer_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    country: Mapped[str] = mapped_column(String(2))
    #: ``[{"platform", "handle", "followers"}]`` as stated by the applicant.
    handles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pitch: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=UNCONFIRMED, index=True)
    nonce: Mapped[str] = mapped_column(String(16), default=_nonce)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    #: Who decided: a brand user's email, or "auto-accept".
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("influencer_link.id", ondelete="SET NULL")
    )

    brand: Mapped[Brand] = relationship()
    link: Mapped[InfluencerLink | None] = relationship()


class ApplyRules(Base):
    """A brand's auto-accept rules for its open invitation (one row per brand, or none).

    An applicant is accepted when they confirm their email if they have at
    least ``min_followers`` on ``platform`` (any platform when None) and live
    in one of ``countries`` (anywhere when empty).
    """

    __tablename__ = "apply_rules"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True
    )
    auto_accept: Mapped[bool] = mapped_column(default=False)
    platform: Mapped[str | None] = mapped_column(String(32))
    min_followers: Mapped[int] = mapped_column(BigInteger, default=0)
    countries: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[str | None] = mapped_column(String(320))

    def matches(self, application: Application) -> bool:
        """Does ``application`` pass these rules (when auto-accept is on)?"""
        if not self.auto_accept:
            return False
        if self.countries and application.country not in self.countries:
            return False
        return any(
            int(h.get("followers", 0)) >= self.min_followers
            for h in application.handles
            if self.platform is None or h.get("platform") == self.platform
        )
