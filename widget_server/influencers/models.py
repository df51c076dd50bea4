"""Influencer, SocialHandle and InfluencerLink."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import Base
from widget_server.validation import platform_name


class Influencer(Base):
    """A creator who may request products (from one or several brands)."""

    __tablename__ = "influencer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    handles: Mapped[list[SocialHandle]] = relationship(
        back_populates="influencer", cascade="all, delete-orphan", order_by="SocialHandle.id"
    )


class SocialHandle(Base):
    """One account of an influencer on one platform, with its audience size."""

    __tablename__ = "social_handle"
    __table_args__ = (UniqueConstraint("influencer_id", "platform", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(100))
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    #: When the influencer stated this account themselves (from the panel);
    #: None when the brand or an operator entered it. The brand is told which.
    stated_at: Mapped[datetime | None]

    influencer: Mapped[Influencer] = relationship(back_populates="handles")

    @property
    def platform_name(self) -> str:
        """The platform as its owner spells it ("TikTok")."""
        return platform_name(self.platform)

    @property
    def stated_note(self) -> str | None:
        """The note "stated by the influencer on 29 Nov 2026", or None if the brand entered it.

        The brand's pages and emails show it beside the follower count, so the
        brand knows the number is the influencer's word.
        """
        if self.stated_at is None:
            return None
        return f"stated by the influencer on {self.stated_at.day} {self.stated_at:%b %Y}"


def _new_nonce() -> str:
    return secrets.token_urlsafe(6)


class InfluencerLink(Base):
    """Permission for one influencer to use the overlay on one brand's store.

    The signed token names this row (id plus a random nonce), so a link can be
    revoked or can expire on its own, and a token from a database that was
    reset can never match a new link that happens to reuse the id.
    """

    __tablename__ = "influencer_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(16), default=_new_nonce)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"), index=True)
    influencer_id: Mapped[int] = mapped_column(
        ForeignKey("influencer.id", ondelete="CASCADE"), index=True
    )
    store_url: Mapped[str] = mapped_column(String(2000))
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    brand: Mapped[Brand] = relationship()
    influencer: Mapped[Influencer] = relationship()

    #: A link is an influencer's; a brand's preview is a PreviewVisit (influencers/preview.py).
    preview: ClassVar[bool] = False

    @property
    def status(self) -> str:
        """``active``, ``revoked`` or ``expired`` at this moment."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= clock.now():
            return "expired"
        return "active"
