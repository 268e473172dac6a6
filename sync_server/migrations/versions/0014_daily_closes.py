"""stations' daily cash closes (日结) received exactly once

``station_closes`` holds each close a station pushed (``daily_close`` operation): one row
per station, business day and part (1 = 日结, 2… = 补充日结), with the count by
denomination, the receipts it covers, expected / counted / difference and the reason.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_MONEY = sa.Numeric(14, 2)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "station_closes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("close_id", sa.String(36), nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("counted", _MONEY, nullable=False),
        sa.Column("expected", _MONEY, nullable=False),
        sa.Column("difference", _MONEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("receipts", sa.Integer(), nullable=False),
        sa.Column("voided", sa.Integer(), nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.Column("closed_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("denominations", _JSON, nullable=False),
        sa.Column("receipt_list", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name="fk_station_closes_station_id_stations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_station_closes"),
        sa.UniqueConstraint("close_id", name="uq_station_closes_close_id"),
        sa.UniqueConstraint(
            "station_id", "business_day", "part", name="uq_station_closes_station_id_business_day_part"
        ),
    )
    op.create_index("ix_station_closes_business_day", "station_closes", ["business_day"])


def downgrade() -> None:
    op.drop_index("ix_station_closes_business_day", table_name="station_closes")
    op.drop_table("station_closes")
