"""product lookup: normalised URL paths, titles and barcodes, indexed; a catalog version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from widget_server.catalog.keys import normalise_name, stored_url_path

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Rows filled per round trip: bounded memory on a large catalog.
BATCH = 1000


def _fill_product_keys() -> None:
    """Compute ``url_path`` and ``title_key`` of existing products, as the model does on write."""
    connection = op.get_bind()
    product = sa.table(
        "product",
        sa.column("id", sa.Integer),
        sa.column("url", sa.String),
        sa.column("title", sa.String),
        sa.column("url_path", sa.String),
        sa.column("title_key", sa.String),
    )
    update = (
        product.update()
        .where(product.c.id == sa.bindparam("pid"))
        .values(url_path=sa.bindparam("path"), title_key=sa.bindparam("name"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(product.c.id, product.c.url, product.c.title)
            .where(product.c.id > last)
            .order_by(product.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [
                {"pid": pid, "path": stored_url_path(url), "name": normalise_name(title)[:500]}
                for pid, url, title in rows
            ],
        )
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("catalog_version", sa.Integer(), server_default="1", nullable=False)
        )

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url_path", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("title_key", sa.String(length=500), server_default="", nullable=False)
        )
    _fill_product_keys()
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index("ix_product_brand_url_path", ["brand_id", "url_path"], unique=False)
        batch_op.create_index("ix_product_brand_title_key", ["brand_id", "title_key"], unique=False)
    op.create_index(
        "ix_product_brand_lower_handle",
        "product",
        ["brand_id", sa.text("lower(handle)")],
        unique=False,
    )

    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gtin", sa.String(length=14), nullable=True))
        batch_op.create_index(batch_op.f("ix_variant_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_variant_sku"), ["sku"], unique=False)
        batch_op.create_index(batch_op.f("ix_variant_store_id"), ["store_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variant_store_id"))
        batch_op.drop_index(batch_op.f("ix_variant_sku"))
        batch_op.drop_index(batch_op.f("ix_variant_gtin"))
        batch_op.drop_column("gtin")

    op.drop_index("ix_product_brand_lower_handle", table_name="product")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_brand_title_key")
        batch_op.drop_index("ix_product_brand_url_path")
        batch_op.drop_column("title_key")
        batch_op.drop_column("url_path")

    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("catalog_version")
