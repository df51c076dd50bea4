"""open invitation: applications through /apply/<slug> and the auto-accept rules

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:21:32.213101
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apply_rules",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("auto_accept", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("min_followers", sa.BigInteger(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("updated_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_apply_rules_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brand_id", name=op.f("pk_apply_rules")),
    )
    op.create_table(
        "influencer_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("handles", sa.JSON(), nullable=False),
        sa.Column("pitch", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", widget_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", widget_server.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_influencer_application_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["influencer_link.id"],
            name=op.f("fk_influencer_application_link_id_influencer_link"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influencer_application")),
    )
    with op.batch_alter_table("influencer_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influencer_application_brand_id"), ["brand_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_influencer_application_email"), ["email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_influencer_application_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("influencer_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_influencer_application_status"))
        batch_op.drop_index(batch_op.f("ix_influencer_application_email"))
        batch_op.drop_index(batch_op.f("ix_influencer_application_brand_id"))

    op.drop_table("influencer_application")
    op.drop_table("apply_rules")
