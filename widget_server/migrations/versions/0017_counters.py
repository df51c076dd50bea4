"""counters: per-brand request counts by status (all time and by day), archive indexes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 05:20:00

The review summary reads these instead of aggregating every request the
brand ever had; the state machine keeps them in the same transaction as
each change of status. The upgrade fills them from the requests already
stored (the same GROUP BY as ``widget-server counters rebuild``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: Indexes made again with more columns: name -> (columns now, columns before).
#: The id ends each list's index so ties on the time are paged in index order;
#: the track record reads everything it needs from its index.
WIDER = {
    "ix_product_request_brand_status_submitted": (
        ["brand_id", "status", "submitted_at", "id"],
        ["brand_id", "status", "submitted_at"],
    ),
    "ix_product_request_summary": (
        ["brand_id", "status", "expires_at", "id", "decided_at", "total_minor"],
        ["brand_id", "status", "expires_at", "decided_at", "total_minor"],
    ),
    # 0016's (analytics) becomes the archive's too, covering its status test.
    "ix_product_request_brand_submitted": (
        ["brand_id", "submitted_at", "id", "status", "expires_at"],
        ["brand_id", "submitted_at"],
    ),
    "ix_product_request_track_record": (
        ["influencer_id", "brand_id", "status", "expires_at", "content_due_at",
         "content_submitted_at"],
        ["influencer_id", "brand_id", "status"],
    ),
}  # fmt: skip
#: New indexes of product_request.
NEW = {
    # The summary's one partial day at the edge of "last 30 days" (covering).
    "ix_product_request_brand_decided": ["brand_id", "decided_at", "status", "total_minor"],
    # The collaboration tabs, each walked in its own order.
    "ix_product_request_brand_status_decided": ["brand_id", "status", "decided_at", "id"],
    "ix_product_request_brand_status_shipped": ["brand_id", "status", "shipped_at", "id"],
    "ix_product_request_brand_status_content_due": [
        "brand_id", "status", "content_due_at", "id"
    ],
}  # fmt: skip


def _counter_columns() -> list[sa.Column]:
    return [
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
    ]


def _amounts() -> list[sa.Column]:
    return [
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
    ]


def _brand_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["brand_id"], ["brand.id"], name=op.f(f"fk_{table}_brand_id_brand"), ondelete="CASCADE"
    )


def _fill() -> None:
    """Count the requests already stored (decided day in UTC; pending rows have none)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    decided_on = "coalesce(decided_at, expires_at)"
    day = f"CAST(timezone('UTC', {decided_on}) AS DATE)" if postgres else f"date({decided_on})"
    op.execute(
        "INSERT INTO request_count (brand_id, status, requests, total_minor)"
        " SELECT brand_id, status, count(*), coalesce(sum(total_minor), 0)"
        " FROM product_request GROUP BY brand_id, status"
    )
    op.execute(
        "INSERT INTO request_day_count (brand_id, status, day, requests, total_minor)"
        f" SELECT brand_id, status, {day}, count(*), coalesce(sum(total_minor), 0)"
        f" FROM product_request WHERE status != 'pending' GROUP BY brand_id, status, {day}"
    )


def upgrade() -> None:
    op.create_table(
        "request_count",
        *_counter_columns(),
        *_amounts(),
        _brand_fk("request_count"),
        sa.PrimaryKeyConstraint("brand_id", "status", name=op.f("pk_request_count")),
    )
    op.create_table(
        "request_day_count",
        *_counter_columns(),
        sa.Column("day", sa.Date(), nullable=False),
        *_amounts(),
        _brand_fk("request_day_count"),
        sa.PrimaryKeyConstraint("brand_id", "status", "day", name=op.f("pk_request_day_count")),
    )
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        for name, (columns, _before) in WIDER.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
        for name, columns in NEW.items():
            batch_op.create_index(name, columns, unique=False)
    _fill()


def downgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        for name in NEW:
            batch_op.drop_index(name)
        for name, (_columns, before) in WIDER.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, before, unique=False)
    op.drop_table("request_day_count")
    op.drop_table("request_count")
