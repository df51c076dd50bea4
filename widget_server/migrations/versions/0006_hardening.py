"""hardening: review sessions kept on the server, emails that are given up on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", widget_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["brand_user.id"],
            name=op.f("fk_review_session_user_id_brand_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_session")),
    )
    with op.batch_alter_table("review_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_session_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.create_index(
            "ix_outbox_message_due", ["sent_at", "failed_at", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.create_index("ix_outbox_message_due", ["sent_at", "next_attempt_at"], unique=False)
        batch_op.drop_column("failed_at")

    with op.batch_alter_table("review_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_session_user_id"))

    op.drop_table("review_session")
