"""the influencer's side: excluded products, stated handles, item options, sender names

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("excluded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("social_handle", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stated_at", widget_server.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("request_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("option_values", sa.JSON(), nullable=True))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_name", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("from_name")
    with op.batch_alter_table("request_item", schema=None) as batch_op:
        batch_op.drop_column("option_values")
    with op.batch_alter_table("social_handle", schema=None) as batch_op:
        batch_op.drop_column("stated_at")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("excluded")
