"""content screenshots: the influencer's uploaded evidence

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:55:00

One row per uploaded screenshot of a request's content; the file itself
lives in the upload folder under the random ``stored_name``.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_screenshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_content_screenshot_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_screenshot")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_content_screenshot_stored_name")),
    )
    with op.batch_alter_table("content_screenshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_screenshot_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("content_screenshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_screenshot_request_id"))
    op.drop_table("content_screenshot")
