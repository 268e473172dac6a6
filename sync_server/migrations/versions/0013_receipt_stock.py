"""numbered receipt stock (票据号段) allocated to stations, and voided receipts

``receipt_series`` holds one row per series (票据代码), the lock an allocation takes;
``receipt_ranges`` the numbers allocated to each station (never overlapping within a
series); ``receipt_voids`` the receipts stations voided, once per number.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "receipt_series",
        sa.Column("series", sa.String(8), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_receipt_series"),
    )
    op.create_table(
        "receipt_ranges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("series", sa.String(8), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.Column("allocated_at", _TS, nullable=False),
        sa.Column("allocated_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name="fk_receipt_ranges_station_id_stations"
        ),
        sa.ForeignKeyConstraint(
            ["series"], ["receipt_series.series"], name="fk_receipt_ranges_series_receipt_series"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_receipt_ranges"),
    )
    op.create_index("ix_receipt_ranges_station_id", "receipt_ranges", ["station_id"])
    op.create_index("ix_receipt_ranges_series_first", "receipt_ranges", ["series", "first"])
    op.create_table(
        "receipt_voids",
        sa.Column("series", sa.String(8), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("receipt_number", sa.String(40), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("clerk", sa.String(64), nullable=False),
        sa.Column("witness", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("reissued_series", sa.String(8), nullable=True),
        sa.Column("reissued_number", sa.BigInteger(), nullable=True),
        sa.Column("voided_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("series", "number", name="pk_receipt_voids"),
    )
    op.create_index("ix_receipt_voids_station_id", "receipt_voids", ["station_id"])


def downgrade() -> None:
    op.drop_index("ix_receipt_voids_station_id", table_name="receipt_voids")
    op.drop_table("receipt_voids")
    op.drop_index("ix_receipt_ranges_series_first", table_name="receipt_ranges")
    op.drop_index("ix_receipt_ranges_station_id", table_name="receipt_ranges")
    op.drop_table("receipt_ranges")
    op.drop_table("receipt_series")
