"""Product and Variant, mirrored from the store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from widget_server import clock
from widget_server.brands.models import Brand
from widget_server.catalog.keys import normalise_name, stored_gtin, stored_url_path
from widget_server.db import Base


class Product(Base):
    """A product of the brand's store.

    Rows are never deleted: a product that leaves the feed becomes inactive,
    so requests that name it keep their history.
    """

    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("brand_id", "store_id"),
        # The product lookup (catalog/lookup.py): one indexed query per key kind.
        Index("ix_product_brand_url_path", "brand_id", "url_path"),
        Index("ix_product_brand_title_key", "brand_id", "title_key"),
    )

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
    #: ``url``'s normalised path (catalog/keys.py), kept in step by :meth:`_keep_keys`.
    url_path: Mapped[str | None] = mapped_column(String(2000))
    #: ``title`` as ``n:`` keys compare it (trimmed, lower-cased, single spaces).
    title_key: Mapped[str] = mapped_column(String(500), default="", server_default="")
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

    @validates("url", "title")
    def _keep_keys(self, name: str, value: str) -> str:
        """Keep the lookup columns in step with what they are derived from, whoever sets it."""
        if name == "url":
            self.url_path = stored_url_path(value)
        else:
            self.title_key = normalise_name(value)[:500]
        return value

    @property
    def over_limit(self) -> bool:
        """Even the cheapest available variant costs more than the brand's value limit.

        Such a product can never be requested, whatever else is in the bag.
        """
        cheapest = self.price_minor
        return cheapest is not None and cheapest > self.brand.max_value_minor

    @property
    def price_minor(self) -> int | None:
        """The price of the cheapest available variant (None when nothing is in stock)."""
        prices = [v.price_minor for v in self.variants if v.active and v.available]
        return min(prices) if prices else None


class Variant(Base):
    """One buyable variant (size, colour…) of a product, price in minor units."""

    __tablename__ = "variant"
    __table_args__ = (UniqueConstraint("product_id", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    # Indexed on its own for ``s:`` keys (the unique constraint leads with product_id).
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    sku: Mapped[str | None] = mapped_column(String(255), index=True)
    #: The barcode (GTIN-8/12/13/14) in its ``g:`` key form: digits, no leading zeros.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    #: The normalised path of the variant's own page, when the feed names one
    #: that is not its product's (PrestaShop links each combination to its own
    #: URL, and a listing to the default one): ``u:`` keys match it too.
    url_path: Mapped[str | None] = mapped_column(String(2000), index=True)
    option_values: Mapped[list[str]] = mapped_column(default=list)
    price_minor: Mapped[int]
    image_url: Mapped[str | None] = mapped_column(String(2000))
    position: Mapped[int] = mapped_column(default=0)
    available: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")

    @validates("gtin")
    def _normal_gtin(self, _name: str, value: str | None) -> str | None:
        """Store the ``g:`` key form, so a lookup is an exact match (None: not a barcode)."""
        return stored_gtin(value)


# Handles are compared lower-cased (an ``h:`` key is), and some feeds name
# them in mixed case: an index on the expression keeps that an index lookup.
Index("ix_product_brand_lower_handle", Product.brand_id, func.lower(Product.handle))
# A u: key's last segment is also compared with the store id (an SFCC link ends
# in the master product's id), lower-cased like every u: key.
Index("ix_product_brand_lower_store_id", Product.brand_id, func.lower(Product.store_id))
