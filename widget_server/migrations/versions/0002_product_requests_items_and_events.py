"""product requests, items and events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:40:05.928206
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", widget_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("shipping_address", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("body_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_product_request_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_product_request_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["influencer_link.id"],
            name=op.f("fk_product_request_link_id_influencer_link"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_request")),
        sa.UniqueConstraint(
            "influencer_id",
            "idempotency_key",
            name=op.f("uq_product_request_influencer_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_request_brand_status_submitted",
            ["brand_id", "status", "submitted_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_product_request_influencer_id"), ["influencer_id"], unique=False
        )
        batch_op.create_index(
            "ix_product_request_status_expires", ["status", "expires_at"], unique=False
        )

    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_request_event_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_event")),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_event_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "request_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("influencer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("product_handle", sa.String(length=255), nullable=False),
        sa.Column("product_title", sa.String(length=500), nullable=False),
        sa.Column("variant_title", sa.String(length=500), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("pending_claim", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["influencer_id"],
            ["influencer.id"],
            name=op.f("fk_request_item_influencer_id_influencer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_request_item_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_request_item_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"], ["variant.id"], name=op.f("fk_request_item_variant_id_variant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_item")),
        sa.UniqueConstraint(
            "influencer_id",
            "product_id",
            "pending_claim",
            name=op.f("uq_request_item_influencer_id_product_id_pending_claim"),
        ),
    )
    with op.batch_alter_table("request_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_item_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_request_item_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_item_request_id"))
        batch_op.drop_index(batch_op.f("ix_request_item_product_id"))

    op.drop_table("request_item")
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))

    op.drop_table("request_event")
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_index("ix_product_request_status_expires")
        batch_op.drop_index(batch_op.f("ix_product_request_influencer_id"))
        batch_op.drop_index("ix_product_request_brand_status_submitted")

    op.drop_table("product_request")
