"""What the console keeps: an audit log of settings changes and one-time sign-in tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.brands.models import BrandUser
from widget_server.db import Base


class AuditEntry(Base):
    """One change a brand user made to their brand's settings: who, when, what, old → new.

    ``actor`` is the email as text, not a foreign key: the log must outlive a
    teammate who is later removed.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_brand_at", "brand_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    area: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class UserToken(Base):
    """A single-use link that lets a brand user set a password (an invitation or a reset).

    Only the SHA-256 of the token is stored (``id``), like review sessions: a
    copy of this table sets no one's password.
    """

    __tablename__ = "user_token"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("brand_user.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[BrandUser] = relationship()
