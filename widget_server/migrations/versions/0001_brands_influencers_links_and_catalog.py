"""brands, influencers, links and catalog

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:37:21.886325
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("notify_email", sa.String(length=320), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("max_items", sa.Integer(), nullable=False),
        sa.Column("max_value_minor", sa.Integer(), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand")),
        sa.UniqueConstraint("slug", name=op.f("uq_brand_slug")),
    )
    op.create_table(
        "influencer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influencer")),
        sa.UniqueConstraint("email", name=op.f("uq_influencer_email")),
    )
    op.create_table(
        "brand_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_brand_user_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_user")),
        sa.UniqueConstraint("email", name=op.f("uq_brand_user_email")),
    )
    with op.batch_alter_table("brand_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brand_user_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "influencer_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("store_url", sa.String(length=2000), nullable=False),
        sa.Column("issued_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", widget_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_influencer_link_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_influencer_link_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influencer_link")),
    )
    with op.batch_alter_table("influencer_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_influencer_link_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_influencer_link_influencer_id"), ["influencer_id"], unique=False
        )

    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("vendor", sa.String(length=255), nullable=True),
        sa.Column("product_type", sa.String(length=255), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("option_names", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("synced_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_product_brand_id_brand"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("brand_id", "store_id", name=op.f("uq_product_brand_id_store_id")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_handle"), ["handle"], unique=False)

    op.create_table(
        "social_handle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_social_handle_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_handle")),
        sa.UniqueConstraint(
            "influencer_id",
            "platform",
            "handle",
            name=op.f("uq_social_handle_influencer_id_platform_handle"),
        ),
    )
    op.create_table(
        "variant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("option_values", sa.JSON(), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_variant_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variant")),
        sa.UniqueConstraint("product_id", "store_id", name=op.f("uq_variant_product_id_store_id")),
    )


def downgrade() -> None:
    op.drop_table("variant")
    op.drop_table("social_handle")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_handle"))

    op.drop_table("product")
    with op.batch_alter_table("influencer_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_influencer_link_influencer_id"))
        batch_op.drop_index(batch_op.f("ix_influencer_link_brand_id"))

    op.drop_table("influencer_link")
    with op.batch_alter_table("brand_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_user_brand_id"))

    op.drop_table("brand_user")
    op.drop_table("influencer")
    op.drop_table("brand")
