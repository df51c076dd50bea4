"""lifecycle after approval, reminders, store API key, webhooks

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 16:44:50.196069

The collaboration after approval (order, shipment, delivery, content), the
reminders' sent-markers, the brand's store API key and webhook, and webhooks
as a kind of outbox message with a log of delivery attempts.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_reminder_sent_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("request_id", "kind", name=op.f("uq_reminder_sent_request_id_kind")),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_sent_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_webhook_attempt_message_id_outbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
    )
    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempt_message_id"), ["message_id"], unique=False
        )

    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_days", sa.Integer(), server_default="14", nullable=False)
        )
        batch_op.add_column(sa.Column("api_key_prefix", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("api_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_brand_api_key_prefix"), ["api_key_prefix"])

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="email", nullable=False)
        )
        batch_op.add_column(sa.Column("brand_id", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "to_addr",
            existing_type=sa.VARCHAR(length=320),
            type_=sa.String(length=2000),
            existing_nullable=False,
        )
        batch_op.create_index(batch_op.f("ix_outbox_message_brand_id"), ["brand_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_brand_id_brand"),
            "brand",
            ["brand_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_number", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("order_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("carrier", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("tracking_number", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("tracking_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("shipped_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("delivered_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("content_due_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("content_urls", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_product_request_status_content_due", ["status", "content_due_at"], unique=False
        )


def downgrade() -> None:
    # Webhook URLs may be longer than the email column they go back to.
    op.execute("DELETE FROM outbox_message WHERE kind = 'webhook'")
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        batch_op.drop_index("ix_product_request_status_content_due")
        batch_op.drop_column("content_urls")
        batch_op.drop_column("content_due_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("shipped_at")
        batch_op.drop_column("tracking_url")
        batch_op.drop_column("tracking_number")
        batch_op.drop_column("carrier")
        batch_op.drop_column("order_url")
        batch_op.drop_column("order_number")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_message_brand_id_brand"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_message_brand_id"))
        batch_op.alter_column(
            "to_addr",
            existing_type=sa.String(length=2000),
            type_=sa.VARCHAR(length=320),
            existing_nullable=False,
        )
        batch_op.drop_column("brand_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_brand_api_key_prefix"), type_="unique")
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("api_key_hash")
        batch_op.drop_column("api_key_prefix")
        batch_op.drop_column("content_days")

    with op.batch_alter_table("webhook_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempt_message_id"))

    op.drop_table("webhook_attempt")
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_request_id"))

    op.drop_table("reminder_sent")
