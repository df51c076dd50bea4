"""messages: one thread per request between the brand and the influencer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 05:20:00

``request_message`` holds each message once (both timelines read it there);
``product_request`` gains each side's last-read message id, from which the
unread counts follow.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_request_message_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_message")),
    )
    with op.batch_alter_table("request_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_request_message_request_side", ["request_id", "side", "id"], unique=False
        )
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("brand_read_message_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("influencer_read_message_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_column("influencer_read_message_id")
        batch_op.drop_column("brand_read_message_id")
    with op.batch_alter_table("request_message", schema=None) as batch_op:
        batch_op.drop_index("ix_request_message_request_side")
    op.drop_table("request_message")
