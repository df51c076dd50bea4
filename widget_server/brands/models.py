"""Brand and BrandUser."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.db import Base

DEFAULT_EXPIRY_DAYS = 9
DEFAULT_MAX_ITEMS = 3
DEFAULT_CONTENT_DAYS = 14
#: Days after completion the brand is asked for the collaboration's results.
DEFAULT_SURVEY_DAYS = 3


class Brand(Base):
    """A store that runs a product-request programme.

    ``allowed_origins`` are the exact ``scheme://host[:port]`` origins of the
    brand's store: the only pages whose requests the widget API answers.
    The request policy lives here too (expiry, max items, max retail value).
    """

    __tablename__ = "brand"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    notify_email: Mapped[str] = mapped_column(String(320))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    expiry_days: Mapped[int] = mapped_column(default=DEFAULT_EXPIRY_DAYS)
    max_items: Mapped[int] = mapped_column(default=DEFAULT_MAX_ITEMS)
    max_value_minor: Mapped[int]  # set by the service, in the brand's currency
    #: Bumped by every change to what the product lookup answers (a sync that
    #: changed something, exclude/include): it keys the lookup's HTTP caches.
    catalog_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Console settings (#10): more addresses for new requests, a daily digest
    # instead of one email each, and how emails to influencers are signed.
    notify_also: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    notify_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest_sent_at: Mapped[datetime | None]
    email_sender_name: Mapped[str | None] = mapped_column(String(200))
    email_reply_to: Mapped[str | None] = mapped_column(String(320))
    # The catalog source the console syncs from, and what its last sync did.
    catalog_source: Mapped[str | None] = mapped_column(String(2000))
    catalog_format: Mapped[str] = mapped_column(String(16), default="auto", server_default="auto")
    catalog_auto_sync: Mapped[bool] = mapped_column(default=True, server_default=true())
    catalog_sync_tried_at: Mapped[datetime | None]
    catalog_synced_at: Mapped[datetime | None]
    catalog_sync_result: Mapped[dict[str, Any] | None]
    #: Set when a failed scheduled sync has emailed the brand; cleared by a success,
    #: so a feed that keeps failing sends one email, not one per retry.
    catalog_failure_notified_at: Mapped[datetime | None]
    #: Days after delivery by which the influencer's content is due.
    content_days: Mapped[int] = mapped_column(
        default=DEFAULT_CONTENT_DAYS, server_default=str(DEFAULT_CONTENT_DAYS)
    )
    #: Seconds an approval can be undone (its email and webhook wait that
    #: long); None: ``DOTS_APPROVAL_UNDO_SECONDS``.
    approval_undo_seconds: Mapped[int | None]
    #: Days after a collaboration is completed that the brand is emailed the
    #: metrics survey (reach, clicks, orders, revenue); 0: no email.
    survey_days: Mapped[int] = mapped_column(
        default=DEFAULT_SURVEY_DAYS, server_default=str(DEFAULT_SURVEY_DAYS)
    )
    #: The store's API key: its public lookup prefix and the SHA-256 of the
    #: whole key (never the key itself; see widget_server.store_sync.keys).
    api_key_prefix: Mapped[str | None] = mapped_column(String(16), unique=True)
    api_key_hash: Mapped[str | None] = mapped_column(String(64))
    #: Where lifecycle events are POSTed, and the secret that signs them (kept
    #: as is: signing needs it).
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))

    users: Mapped[list[BrandUser]] = relationship(back_populates="brand")

    @property
    def notify_addresses(self) -> list[str]:
        """Every address told of new requests: the main one first."""
        return [self.notify_email, *self.notify_also]

    @property
    def sender_name(self) -> str:
        """From name of emails to influencers: the brand's choice, else "<name> via Dots"."""
        return self.email_sender_name or f"{self.name} via Dots"

    @property
    def reply_to(self) -> str:
        """Where influencers' answers go: the brand's Reply-To setting, else its notify address."""
        return self.email_reply_to or self.notify_email

    @property
    def store_url(self) -> str:
        """The store's home page: where influencer links point by default."""
        return self.allowed_origins[0] + "/"

    @property
    def lookup_version(self) -> str:
        """The ``catalog_version`` the widget API answers: catalog and value limit together.

        The limit decides each product's ``over_limit``, so changing it must
        change the version too, like a sync does.
        """
        return f"{self.catalog_version}-{self.max_value_minor}"

    def catalog_changed(self) -> None:
        """Bump ``catalog_version`` in the caller's transaction.

        Written as ``catalog_version + 1`` in SQL, so two syncs that commit at
        once both count (a read-modify-write in Python would lose one).
        """
        self.catalog_version = Brand.catalog_version + 1

    def allows_origin(self, origin: str | None) -> bool:
        """Exact, case-insensitive match of an ``Origin`` header."""
        return bool(origin) and origin.lower().rstrip("/") in self.allowed_origins

    def __repr__(self) -> str:
        return f"<Brand {self.slug}>"


class BrandUser(Base):
    """Someone who signs in to review a brand's requests."""

    __tablename__ = "brand_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    #: ``owner`` (settings, catalog, team) or ``member`` (requests, influencers).
    role: Mapped[str] = mapped_column(String(16), default="owner", server_default="owner")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    brand: Mapped[Brand] = relationship(back_populates="users")


class ReviewSession(Base):
    """One signed-in browser of a brand user, kept on the server so it can end.

    The cookie carries a random token; only its SHA-256 is stored (``id``), so
    a copy of this table signs no one in. A session ends for good when it is
    revoked (sign-out, password change, ``brand user sessions revoke``), when
    it has been idle too long, or 12 hours after sign-in, however busy
    (see :mod:`widget_server.brands.sessions`).
    """

    __tablename__ = "review_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("brand_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]

    user: Mapped[BrandUser] = relationship()
