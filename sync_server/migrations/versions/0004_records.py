"""the records of the one database: contributions, accounts, benefits, payables, cards

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_Money = sa.Numeric(14, 2)


def _id() -> sa.Column[int]:
    return sa.Column("id", _BigId, primary_key=True, autoincrement=True)


def upgrade() -> None:
    # Existing rows are alive / active: the registry held nobody deceased or closed before.
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="alive"))
        batch.add_column(sa.Column("death_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("records_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="active"))
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("stop_reason", sa.String(40), nullable=True))

    op.create_table(
        "person_changes",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_person_changes"),
    )
    op.create_index("ix_person_changes_person", "person_changes", ["id_number", "at"])

    op.create_table(
        "contribution_records",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("insurance_type", sa.String(24), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("base", _Money, nullable=False),
        sa.Column("employer_part", _Money, nullable=False),
        sa.Column("personal_part", _Money, nullable=False),
        sa.Column("account_part", _Money, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("unit_uscc", sa.String(18), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_contribution_records"),
    )
    op.create_index(
        "ix_contribution_records_person", "contribution_records", ["id_number", "insurance_type", "month"]
    )
    op.create_index("ix_contribution_records_month", "contribution_records", ["month", "county_code"])
    op.create_index(
        "ix_contribution_records_case",
        "contribution_records",
        ["case_id"],
        postgresql_where=sa.text("case_id IS NOT NULL"),
        sqlite_where=sa.text("case_id IS NOT NULL"),
    )

    op.create_table(
        "contribution_year_summaries",
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("insurance_type", sa.String(24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("months", sa.SmallInteger(), nullable=False),
        sa.Column("base_sum", _Money, nullable=False),
        sa.Column("employer_sum", _Money, nullable=False),
        sa.Column("personal_sum", _Money, nullable=False),
        sa.Column("account_sum", _Money, nullable=False),
        sa.Column("index_sum", sa.Numeric(12, 4), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.PrimaryKeyConstraint("id_number", "insurance_type", "year", name="pk_contribution_year_summaries"),
    )

    op.create_table(
        "personal_accounts",
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("insurance_type", sa.String(24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("opening", _Money, nullable=False),
        sa.Column("credited", _Money, nullable=False),
        sa.Column("interest", _Money, nullable=False),
        sa.Column("rate", sa.Numeric(8, 6), nullable=False),
        sa.Column("closing", _Money, nullable=False),
        sa.PrimaryKeyConstraint("id_number", "insurance_type", "year", name="pk_personal_accounts"),
    )

    op.create_table(
        "benefits",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("monthly_amount", _Money, nullable=False),
        sa.Column("calculation", _Json, nullable=False),
        sa.Column("start_month", sa.String(7), nullable=False),
        sa.Column("end_month", sa.String(7), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("status_reason", sa.String(200), nullable=True),
        sa.Column("paid_through", sa.String(7), nullable=True),
        sa.Column("bank_name", sa.String(64), nullable=True),
        sa.Column("bank_account", sa.String(32), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_benefits"),
    )
    op.create_index("ix_benefits_id_number", "benefits", ["id_number"])
    op.create_index("ix_benefits_status", "benefits", ["status", "county_code"])

    op.create_table(
        "payables",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("unit_uscc", sa.String(18), nullable=True),
        sa.Column("payee_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount", _Money, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("fund", sa.String(24), nullable=False),
        sa.Column("detail", _Json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payables"),
    )
    op.create_index("ix_payables_id_number", "payables", ["id_number"])
    op.create_index("ix_payables_case_id", "payables", ["case_id"])
    op.create_index("ix_payables_open", "payables", ["status", "county_code"])

    op.create_table(
        "cards",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("card_number", sa.String(20), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=True),
        sa.Column("history", _Json, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
    )
    op.create_index("ix_cards_id_number", "cards", ["id_number"])

    op.create_table(
        "transfers",
        _id(),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("insurance_type", sa.String(24), nullable=False),
        sa.Column("region_from", sa.String(100), nullable=False),
        sa.Column("region_to", sa.String(100), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("pooled_amount", _Money, nullable=False),
        sa.Column("account_amount", _Money, nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transfers"),
    )
    op.create_index("ix_transfers_id_number", "transfers", ["id_number"])


def downgrade() -> None:
    for table in (
        "transfers",
        "cards",
        "payables",
        "benefits",
        "personal_accounts",
        "contribution_year_summaries",
        "contribution_records",
        "person_changes",
    ):
        op.drop_table(table)
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("stop_reason")
        batch.drop_column("until")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("closed_on")
        batch.drop_column("status")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("records_version")
        batch.drop_column("death_date")
        batch.drop_column("status")
