"""the brand's approval undo window

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00

A brand may set how many seconds an approval can be undone (its email and
webhook wait that long); NULL keeps DOTS_APPROVAL_UNDO_SECONDS.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_undo_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("approval_undo_seconds")
