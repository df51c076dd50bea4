"""One rating per side of a completed request, kept unique by the database itself."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.db import Base

if TYPE_CHECKING:
    from widget_server.product_requests.models import ProductRequest

#: The brand rating the influencer it worked with.
BRAND = "brand"
#: The influencer rating the brand.
INFLUENCER = "influencer"
SIDES = (BRAND, INFLUENCER)
MIN_STARS, MAX_STARS = 1, 5
MAX_COMMENT = 1000


class Rating(Base):
    """What one side thought of the collaboration: stars and an optional comment.

    The unique (request, side) pair is what makes "once" hold under a double
    submit or two tabs at once: the second insert fails in the database, and
    the service turns that into a 409. The check constraints keep a bad row
    out even if a caller skipped the schema.
    """

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("request_id", "side"),
        CheckConstraint(f"stars BETWEEN {MIN_STARS} AND {MAX_STARS}", name="stars_range"),
        CheckConstraint(f"side IN ('{BRAND}', '{INFLUENCER}')", name="side_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("product_request.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(20))
    stars: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    #: Who rated: a reviewer's email, or the influencer's (never shown to a link token).
    actor: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    request: Mapped[ProductRequest] = relationship(back_populates="ratings")
