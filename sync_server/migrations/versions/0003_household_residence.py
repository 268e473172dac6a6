"""household registration, residence and verification flags

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 经常居住地 beside 户籍 (persons.township_code): G12 registers where a flexible worker
    # lives and must not overwrite the household registration with it.
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("residence_code", sa.String(length=9), nullable=True))
    # Why a case's 参保地 is provisional: [{"code", "label", "reason"}], shown to the reviewer.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column(
                "attribution_flags",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("attribution_flags")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("residence_code")
