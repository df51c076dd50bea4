"""brand console: user roles, notification and catalog settings, audit log, one-time tokens

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from widget_server.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("brand_user", schema=None) as batch_op:
        # Everyone who could sign in before roles existed could do everything: owner.
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="owner", nullable=False)
        )
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_also", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("notify_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("digest_sent_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("email_sender_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("email_reply_to", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("catalog_source", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("catalog_format", sa.String(length=16), server_default="auto", nullable=False)
        )
        batch_op.add_column(
            sa.Column("catalog_auto_sync", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("catalog_sync_tried_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("catalog_synced_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("catalog_sync_result", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("catalog_failure_notified_at", UTCDateTime(), nullable=True))

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_audit_entry_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index("ix_audit_entry_brand_at", "audit_entry", ["brand_id", "at"], unique=False)
    op.create_table(
        "user_token",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["brand_user.id"],
            name=op.f("fk_user_token_user_id_brand_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_token")),
    )
    op.create_index(op.f("ix_user_token_user_id"), "user_token", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_user_token_user_id"), table_name="user_token")
    op.drop_table("user_token")
    op.drop_index("ix_audit_entry_brand_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        for column in (
            "catalog_failure_notified_at",
            "catalog_sync_result",
            "catalog_synced_at",
            "catalog_sync_tried_at",
            "catalog_auto_sync",
            "catalog_format",
            "catalog_source",
            "email_reply_to",
            "email_sender_name",
            "digest_sent_at",
            "notify_digest",
            "notify_also",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("brand_user", schema=None) as batch_op:
        batch_op.drop_column("role")
