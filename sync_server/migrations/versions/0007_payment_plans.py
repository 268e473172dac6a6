"""payment plans and bank files

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_Money = sa.Numeric(14, 2)
_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payment_plans",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("month", sa.String(7), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("left_out", sa.Integer(), nullable=False),
        sa.Column("total", _Money, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prepared_by", sa.String(64), nullable=False),
        sa.Column("prepared_at", _TS, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", _TS, nullable=True),
        sa.Column("exported_by", sa.String(64), nullable=True),
        sa.Column("exported_at", _TS, nullable=True),
    )
    op.create_table(
        "payment_plan_lines",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.BigInteger(), sa.ForeignKey("payment_plans.id"), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("payee_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("first_month", sa.String(7), nullable=True),
        sa.Column("last_month", sa.String(7), nullable=True),
        sa.Column("amount", _Money, nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=True),
        sa.Column("bank_account", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(20), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("returned_reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_payment_plan_lines_plan", "payment_plan_lines", ["plan_id", "county_code", "kind"])


def downgrade() -> None:
    op.drop_table("payment_plan_lines")
    op.drop_table("payment_plans")
