"""counters: per-brand request counts by status (all time and by day), archive indexes

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-05 05:20:00

The review summary reads these instead of aggregating every request the
brand ever had; the state machine keeps them in the same transaction as
each change of status. The upgrade fills them from the requests already
stored (the same GROUP BY as ``widget-server counters rebuild``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None

TRACK_RECORD = [
    "influencer_id",
    "brand_id",
    "status",
    "expires_at",
    "content_due_at",
    "content_submitted_at",
]
#: The collaboration tabs' indexes and the column each tab is walked by.
TAB_ORDERS = [
    ("ix_product_request_brand_status_decided", "decided_at"),
    ("ix_product_request_brand_status_shipped", "shipped_at"),
    ("ix_product_request_brand_status_content_due", "content_due_at"),
]


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
        batch_op.create_index(
            "ix_product_request_brand_submitted",
            ["brand_id", "submitted_at", "id", "status", "expires_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_product_request_brand_decided",
            ["brand_id", "decided_at", "status", "total_minor"],
            unique=False,
        )
        # The track records read every column they need from the index.
        batch_op.drop_index("ix_product_request_track_record")
        batch_op.create_index("ix_product_request_track_record", TRACK_RECORD, unique=False)
        for name, column in TAB_ORDERS:
            batch_op.create_index(name, ["brand_id", "status", column], unique=False)
    _fill()


def downgrade() -> None:
    with op.batch_alter_table("product_request", schema=None) as batch_op:
        for name, _column in TAB_ORDERS:
            batch_op.drop_index(name)
        batch_op.drop_index("ix_product_request_track_record")
        batch_op.create_index("ix_product_request_track_record", TRACK_RECORD[:3], unique=False)
        batch_op.drop_index("ix_product_request_brand_decided")
        batch_op.drop_index("ix_product_request_brand_submitted")
    op.drop_table("request_day_count")
    op.drop_table("request_count")
