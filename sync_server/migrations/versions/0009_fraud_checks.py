"""data exchange and fraud checks: other departments' files, their rows, 稽核 cases

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_imports",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", _TS, nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("problems", _Json, nullable=False),
        sa.UniqueConstraint("file_sha256", name="uq_exchange_imports_file_sha256"),
    )
    op.create_table(
        "exchange_events",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("import_id", _BigId, nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("other_id_number", sa.String(18), nullable=True),
        sa.Column("detail", _Json, nullable=False),
    )
    op.create_index("ix_exchange_events_import_id", "exchange_events", ["import_id"])
    op.create_index("ix_exchange_events_id_number", "exchange_events", ["id_number"])
    op.create_table(
        "fraud_cases",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("basis", sa.String(64), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("evidence", _Json, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payable_id", _BigId, nullable=True),
        sa.UniqueConstraint("kind", "subject", "basis", name="uq_fraud_cases_kind_subject_basis"),
    )
    op.create_index("ix_fraud_cases_id_number", "fraud_cases", ["id_number"])
    op.create_index("ix_fraud_cases_status", "fraud_cases", ["status", "county_code"])


def downgrade() -> None:
    op.drop_table("fraud_cases")
    op.drop_table("exchange_events")
    op.drop_table("exchange_imports")
