"""ratings: each side rates the other once after a request completes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 05:20:00

One row per (request, side), unique in the database so a double submit or a
race cannot make two; stars 1..5 checked by the database too. The index on
(request_id, side) that the unique constraint makes is also what the track
record's join reads.
"""

import sqlalchemy as sa
from alembic import op

import widget_server.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("created_at", widget_server.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_rating_stars_range")),
        sa.CheckConstraint("side IN ('brand', 'influencer')", name=op.f("ck_rating_side_known")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["product_request.id"],
            name=op.f("fk_rating_request_id_product_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("request_id", "side", name=op.f("uq_rating_request_id_side")),
    )


def downgrade() -> None:
    op.drop_table("rating")
