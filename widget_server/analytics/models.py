"""SurveyAnswer: what the brand reported about one completed collaboration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from widget_server import clock
from widget_server.db import Base


class SurveyAnswer(Base):
    """The metrics survey's answers for one request (one row per request, edited in place).

    Every figure is optional (a brand may know its revenue but not the reach);
    the form asks for at least one. Revenue is in minor units of ``currency``,
    the brand's currency when it answered.
    """

    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("product_request.id", ondelete="CASCADE"), unique=True
    )
    reach: Mapped[int | None] = mapped_column(BigInteger)
    clicks: Mapped[int | None] = mapped_column(BigInteger)
    orders: Mapped[int | None]
    revenue_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
