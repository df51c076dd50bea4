"""indexes for the review summary and track records

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 05:57:52.462661
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_request_influencer_id"))
        batch_op.create_index(
            "ix_product_request_summary",
            ["brand_id", "status", "expires_at", "decided_at", "total_minor"],
            unique=False,
        )
        batch_op.create_index(
            "ix_product_request_track_record", ["influencer_id", "brand_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_index("ix_product_request_track_record")
        batch_op.drop_index("ix_product_request_summary")
        batch_op.create_index(
            batch_op.f("ix_product_request_influencer_id"), ["influencer_id"], unique=False
        )
