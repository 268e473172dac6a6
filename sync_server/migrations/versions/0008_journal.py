"""journal entries and month close

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_Money = sa.Numeric(14, 2)
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("source_kind", sa.String(24), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("event_period", sa.String(7), nullable=False),
        sa.Column("memo", sa.String(200), nullable=False),
        sa.Column("posted_at", _TS, nullable=False),
        sa.UniqueConstraint("source_kind", "source_id", name="uq_journal_entries_source_kind_source_id"),
    )
    op.create_index("ix_journal_entries_period", "journal_entries", ["period"])
    op.create_table(
        "journal_lines",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id",
            sa.BigInteger(),
            sa.ForeignKey("journal_entries.id", name="fk_journal_lines_entry_id_journal_entries"),
            nullable=False,
        ),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("fund", sa.String(20), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("account", sa.String(24), nullable=False),
        sa.Column("debit", _Money, nullable=False),
        sa.Column("credit", _Money, nullable=False),
    )
    op.create_index("ix_journal_lines_entry_id", "journal_lines", ["entry_id"])
    op.create_index(
        "ix_journal_lines_period_fund", "journal_lines", ["period", "fund", "county_code", "account"]
    )
    op.create_table(
        "month_closes",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.Column("closed_at", _TS, nullable=False),
        sa.Column("trial_balance", _Json, nullable=False),
    )
    op.create_table(
        "collection_plan_locks",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("locked_by", sa.String(64), nullable=False),
        sa.Column("locked_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("collection_plan_locks")
    op.drop_table("month_closes")
    op.drop_table("journal_lines")
    op.drop_table("journal_entries")
