"""metrics survey and analytics: survey days, completion time, survey answers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 05:20:00

The brand's ``survey_days`` (the metrics survey goes out that many days
after completion), ``product_request.completed_at`` (backfilled from each
completed request's "completed" event, so analytics count old ones too),
the survey's answers, and the analytics page's (brand, submitted) index.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("survey_days", sa.Integer(), server_default="3", nullable=False)
        )

    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("completed_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_product_request_brand_submitted", ["brand_id", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "ix_product_request_status_completed", ["status", "completed_at"], unique=False
        )
    op.execute(
        "UPDATE product_request SET completed_at = ("
        " SELECT MAX(request_event.created_at) FROM request_event"
        " WHERE request_event.request_id = product_request.id"
        " AND request_event.kind = 'completed')"
        " WHERE status = 'completed'"
    )

    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("clicks", sa.BigInteger(), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=True),
        sa.Column("revenue_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_survey_answer_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("request_id", name=op.f("uq_survey_answer_request_id")),
    )


def downgrade() -> None:
    op.drop_table("survey_answer")
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_index("ix_product_request_status_completed")
        batch_op.drop_index("ix_product_request_brand_submitted")
        batch_op.drop_column("completed_at")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("survey_days")
