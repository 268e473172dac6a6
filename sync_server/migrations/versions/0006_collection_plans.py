"""collection plans and arrears

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_Money = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "collection_plan_lines",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("payer_kind", sa.String(8), primary_key=True),
        sa.Column("payer", sa.String(18), primary_key=True),
        sa.Column("insurance_type", sa.String(24), primary_key=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("township_code", sa.String(9), nullable=True),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("base_total", _Money, nullable=False),
        sa.Column("employer_part", _Money, nullable=False),
        sa.Column("employee_part", _Money, nullable=False),
        sa.Column("account_part", _Money, nullable=False),
        sa.Column("amount", _Money, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_collection_plan_month_county", "collection_plan_lines", ["month", "county_code"])
    op.create_index("ix_collection_plan_month_township", "collection_plan_lines", ["month", "township_code"])


def downgrade() -> None:
    op.drop_table("collection_plan_lines")
