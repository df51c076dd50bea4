"""when content was first submitted (the track record's "on time")

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00

``content_submitted_at`` keeps the moment of the first submission, so an
influencer's track record can count content submitted at or before its due
date even after the brand asked for changes.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "content_submitted_at", widget_server.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_column("content_submitted_at")
