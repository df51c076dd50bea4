"""Product and Variant, mirrored from the store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.db import Base


class Product(Base):
    """A product of the brand's store.

    Rows are never deleted: a product that leaves the feed becomes inactive,
    so requests that name it keep their history.
    """

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("brand_id", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"))
    store_id: Mapped[str] = mapped_column(String(64))
    handle: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description_html: Mapped[str] = mapped_column(Text, default="")
    vendor: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(255))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    url: Mapped[str] = mapped_column(String(2000))
    option_names: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    #: The brand will not give this product: no dot, and requests for it are
    #: refused. Set by ``catalog exclude``; a sync never touches it.
    excluded: Mapped[bool] = mapped_column(default=False, server_default=false())
    synced_at: Mapped[datetime] = mapped_column(default=clock.now)

    brand: Mapped[Brand] = relationship()
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )

    @property
    def over_limit(self) -> bool:
        """Even the cheapest available variant costs more than the brand's value limit.

        Such a product can never be requested, whatever else is in the bag.
        """
        prices = [v.price_minor for v in self.variants if v.active and v.available]
        return bool(prices) and min(prices) > self.brand.max_value_minor


class Variant(Base):
    """One buyable variant (size, colour…) of a product, price in minor units."""

    __tablename__ = "variant"
    __table_args__ = (UniqueConstraint("product_id", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    store_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    sku: Mapped[str | None] = mapped_column(String(255))
    option_values: Mapped[list[str]] = mapped_column(default=list)
    price_minor: Mapped[int]
    image_url: Mapped[str | None] = mapped_column(String(2000))
    position: Mapped[int] = mapped_column(default=0)
    available: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")
