"""variant pages: a variant's own URL path, for u: keys

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:20:00

Some stores link each variant to a page of its own: PrestaShop's listings
link the default combination (``/en/men/1-3-tee.html``) and its Google
feeds name each combination's URL. The path is kept beside the variant
(only when it is not its product's own) and indexed for the lookup. The
next sync fills it; until then lookups match as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url_path", sa.String(length=2000), nullable=True))
        batch_op.create_index(batch_op.f("ix_variant_url_path"), ["url_path"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variant_url_path"))
        batch_op.drop_column("url_path")
