"""store id segments: a product's store id compared lower-cased, for u: keys

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:15:00

Salesforce Commerce Cloud (SFRA) product links end in the master product's
id (``/long-sleeve-cardigan/25413129M.html``) while its Google feeds link
each variant's own page, so a listing's link matches no stored page. The
last segment of a ``u:`` key (lower-cased, as every ``u:`` key is) is now
also compared with the product's store id, through this index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_product_brand_lower_store_id",
        "product",
        ["brand_id", sa.text("lower(store_id)")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_product_brand_lower_store_id", table_name="product")
