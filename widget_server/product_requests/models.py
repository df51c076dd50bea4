"""ProductRequest, its items (snapshots of the catalog) and its events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.catalog.models import Product, Variant
from widget_server.db import Base
from widget_server.influencers.models import Influencer, InfluencerLink
from widget_server.ratings.models import Rating

#: What of an address may be shown where the street may not: enough to
#: recognise it ("Lisbon, PT") and to judge shipping, not to find anyone.
ADDRESS_SUMMARY_FIELDS = ("city", "country")


def address_summary(address: Mapping[str, Any] | None) -> dict[str, str] | None:
    """``{city, country}`` of a stored address (None for none)."""
    if address is None:
        return None
    return {key: str(address.get(key) or "") for key in ADDRESS_SUMMARY_FIELDS}


class ProductRequest(Base):
    """An influencer's request for products, with the proposal and address.

    ``status`` only changes through :mod:`widget_server.product_requests.states`.
    """

    __tablename__ = "product_request"
    __table_args__ = (
        UniqueConstraint("influencer_id", "idempotency_key"),
        # The pending list and archive walk this in order (newest first).
        # (The id ends every index a list is paged by: ties on the time come out in
        # the index's order, never sorted in memory.)
        Index(
            "ix_product_request_brand_status_submitted", "brand_id", "status", "submitted_at", "id"
        ),
        # The sweeper's "pending and overdue" lookup.
        Index("ix_product_request_status_expires", "status", "expires_at"),
        # Covering indexes: the overdue part of the summary and the track records read only these.
        Index(
            "ix_product_request_summary",
            "brand_id",
            "status",
            "expires_at",
            "id",
            "decided_at",
            "total_minor",
        ),  # fmt: skip
        Index(
            "ix_product_request_track_record",
            "influencer_id",
            "brand_id",
            "status",
            "expires_at",
            "content_due_at",
            "content_submitted_at",
        ),  # fmt: skip
        # The collaboration tabs, each walked in its own order.
        Index("ix_product_request_brand_status_decided", "brand_id", "status", "decided_at", "id"),
        Index("ix_product_request_brand_status_shipped", "brand_id", "status", "shipped_at", "id"),
        Index(
            "ix_product_request_brand_status_content_due",
            "brand_id",
            "status",
            "content_due_at",
            "id",
        ),  # fmt: skip
        # The reminders' "content pending and due soon" lookup.
        Index("ix_product_request_status_content_due", "status", "content_due_at"),
        # The archive without a status filter walks this (newest first, id breaks ties),
        # covering its status test; the analytics page reads a period in submission order.
        Index(
            "ix_product_request_brand_submitted",
            "brand_id",
            "submitted_at",
            "id",
            "status",
            "expires_at",
        ),  # fmt: skip
        # The summary's one partial day at the edge of "last 30 days" (covering).
        Index(
            "ix_product_request_brand_decided", "brand_id", "decided_at", "status", "total_minor"
        ),
        # The metrics survey's "completed a few days ago" lookup.
        Index("ix_product_request_status_completed", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"))
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("influencer_link.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int]
    proposal: Mapped[dict[str, Any]]
    shipping_address: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    body_digest: Mapped[str | None] = mapped_column(String(64))
    # The collaboration after approval (written by the state machine's updates).
    order_number: Mapped[str | None] = mapped_column(String(100))
    order_url: Mapped[str | None] = mapped_column(String(2000))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    content_due_at: Mapped[datetime | None]
    #: The first submission of content (kept when the brand asks for changes),
    #: so the track record can tell content submitted on time.
    content_submitted_at: Mapped[datetime | None]
    #: The influencer's evidence: links to the published posts.
    content_urls: Mapped[list[str] | None]
    #: The newest message of the other side each side has seen (its thread's
    #: unread count is what came after): ``widget_server.messages``.
    brand_read_message_id: Mapped[int | None]
    influencer_read_message_id: Mapped[int | None]
    #: When the brand accepted the content (the collaboration ended): the
    #: metrics survey is due some days later, and analytics count by it.
    completed_at: Mapped[datetime | None]

    brand: Mapped[Brand] = relationship()
    influencer: Mapped[Influencer] = relationship()
    link: Mapped[InfluencerLink | None] = relationship()
    items: Mapped[list[RequestItem]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestItem.id"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.id"
    )
    screenshots: Mapped[list[ContentScreenshot]] = relationship(
        back_populates="request", order_by="ContentScreenshot.id"
    )
    messages: Mapped[list[RequestMessage]] = relationship(
        back_populates="request", order_by="RequestMessage.id", passive_deletes=True
    )
    #: At most one per side, once completed (:mod:`widget_server.ratings`).
    ratings: Mapped[list[Rating]] = relationship(back_populates="request", order_by="Rating.id")

    def rating_by(self, side: str) -> Rating | None:
        """The rating ``side`` ("brand" or "influencer") gave, if any."""
        return next((rating for rating in self.ratings if rating.side == side), None)

    def content_overdue(self, now: datetime | None = None) -> bool:
        """Is content still pending after its due date (the brand's overdue flag)?"""
        return (
            self.status == "delivered"
            and self.content_due_at is not None
            and self.content_due_at < (now or clock.now())
        )

    @property
    def full_address_shown(self) -> bool:
        """Whether the brand sees the whole address: only once it approved (it ships then).

        Before a decision, and after any other end, the brand has no need for
        the street, the postal code or the phone.
        """
        return self.status == "approved"

    @property
    def address_for_brand(self) -> dict[str, Any]:
        """The address as the brand's pages, emails and exports may show it."""
        if self.full_address_shown:
            return dict(self.shipping_address)
        return address_summary(self.shipping_address) or {}


class RequestItem(Base):
    """One variant asked for, with the catalog's title and price at that moment.

    ``pending_claim`` is True while the request is pending and NULL after:
    the unique index on (influencer, product, pending_claim) is how the
    database itself refuses a second pending request for the same product
    (NULLs never collide, so decided requests do not count).
    """

    __tablename__ = "request_item"
    __table_args__ = (UniqueConstraint("influencer_id", "product_id", "pending_claim"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    influencer_id: Mapped[int] = mapped_column(ForeignKey("influencer.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"))
    product_handle: Mapped[str] = mapped_column(String(255))
    product_title: Mapped[str] = mapped_column(String(500))
    variant_title: Mapped[str] = mapped_column(String(500))
    #: The variant's option values when requested (["M", "Charcoal"]); None
    #: for rows written before they were kept (read the variant's then).
    option_values: Mapped[list[str] | None]
    sku: Mapped[str | None] = mapped_column(String(255))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    quantity: Mapped[int]
    unit_price_minor: Mapped[int]
    pending_claim: Mapped[bool | None] = mapped_column(default=True)

    request: Mapped[ProductRequest] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()
    variant: Mapped[Variant] = relationship()

    @property
    def line_total_minor(self) -> int:
        return self.quantity * self.unit_price_minor


class RequestEvent(Base):
    """Something that happened to a request: its timeline."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    request: Mapped[ProductRequest] = relationship(back_populates="events")


class ReminderSent(Base):
    """That one reminder about one request went out (or is in the outbox).

    The unique (request, kind) pair is what makes ``remind`` idempotent: two
    runs at once both try to insert it, and the database lets one win.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("request_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ContentScreenshot(Base):
    """A screenshot the influencer sent as evidence of a post (the file is in the upload folder).

    The stored name is a random id: the influencer's own file name is never
    kept, so it can neither collide nor reach the file system. The content
    type is the one the file's first bytes proved, not the one the browser said.
    """

    __tablename__ = "content_screenshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("product_request.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    request: Mapped[ProductRequest] = relationship(back_populates="screenshots")


class RequestMessage(Base):
    """One message of a request's thread between the brand and the influencer.

    The text is stored once, here: both timelines read it from this table
    (no copy in ``request_event``). ``author`` is the reviewer's email or the
    influencer's; the influencer's side only ever sees the brand's name.
    """

    __tablename__ = "request_message"
    # The thread, and the unread counts ("after the last one read"), walk this.
    __table_args__ = (Index("ix_request_message_request_side", "request_id", "side", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("product_request.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(12))  # "brand" | "influencer"
    author: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    request: Mapped[ProductRequest] = relationship(back_populates="messages")


class RequestCount(Base):
    """How many of a brand's requests are in one status, and their retail value, all time.

    Kept by :mod:`widget_server.product_requests.counters` in the same
    transaction as every change of status, so the review summary reads a
    handful of rows however long the brand's history is.
    """

    __tablename__ = "request_count"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class RequestDayCount(Base):
    """:class:`RequestCount` by the (UTC) day a request was decided, for the rolling windows.

    Only decided statuses: a pending request has no such day. A row counts
    the requests decided that day that are *now* in ``status``.
    """

    __tablename__ = "request_day_count"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
