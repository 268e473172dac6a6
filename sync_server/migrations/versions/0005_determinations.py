"""determinations: 认定、鉴定、备案结论 kept as records of a person or a unit

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "determinations",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("unit_uscc", sa.String(18), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_code", sa.String(4), nullable=False),
        sa.Column("result", _Json, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_determinations_id_number", "determinations", ["id_number"])
    op.create_index("ix_determinations_unit_uscc", "determinations", ["unit_uscc"])
    op.create_index("ix_determinations_case_id", "determinations", ["case_id"])


def downgrade() -> None:
    op.drop_table("determinations")
