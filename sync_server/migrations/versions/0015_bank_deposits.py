"""bank deposit files matched to daily closes; payment notices and their confirmations

``bank_file_imports`` keeps each imported bank file once by its SHA-256; ``bank_deposits``
the collection account's deposits (once per bank serial), ``station_deposit_accounts`` the
accounts stations bank from, ``deposit_matches`` + ``deposit_matched_closes`` which deposits
pay which ``station_closes``; ``payment_notices`` (缴费通知单) and ``notice_confirmations``
(the bank's confirmation lines, once per bank serial).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_MONEY = sa.Numeric(14, 2)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "bank_file_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", _TS, nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("new_lines", sa.Integer(), nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bank_file_imports"),
        sa.UniqueConstraint("kind", "file_sha256", name="uq_bank_file_imports_kind_file_sha256"),
    )
    op.create_table(
        "station_deposit_accounts",
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_station_deposit_accounts"),
    )
    op.create_index("ix_station_deposit_accounts_station_id", "station_deposit_accounts", ["station_id"])
    op.create_table(
        "bank_deposits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("bank_serial", sa.String(64), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("payer_account", sa.String(40), nullable=False),
        sa.Column("payer_name", sa.String(100), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("memo", sa.String(200), nullable=False),
        sa.Column("station_id", sa.String(16), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bank_deposits"),
        sa.UniqueConstraint("account", "bank_serial", name="uq_bank_deposits_account_bank_serial"),
    )
    op.create_index("ix_bank_deposits_station_id", "bank_deposits", ["station_id"])
    op.create_index("ix_bank_deposits_match_id", "bank_deposits", ["match_id"])
    op.create_table(
        "deposit_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(10), nullable=False),
        sa.Column("total", _MONEY, nullable=False),
        sa.Column("matched_by", sa.String(64), nullable=False),
        sa.Column("matched_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deposit_matches"),
    )
    op.create_index("ix_deposit_matches_station_id", "deposit_matches", ["station_id"])
    op.create_table(
        "deposit_matched_closes",
        sa.Column("close_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("close_id", name="pk_deposit_matched_closes"),
    )
    op.create_index("ix_deposit_matched_closes_match_id", "deposit_matched_closes", ["match_id"])
    op.create_table(
        "payment_notices",
        sa.Column("reference", sa.String(22), nullable=False),
        sa.Column("issuer", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("item_code", sa.String(8), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("first_month", sa.String(7), nullable=False),
        sa.Column("last_month", sa.String(7), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("fee", _JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("confirmation_id", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("reference", name="pk_payment_notices"),
        sa.UniqueConstraint(
            "issuer", "issued_on", "serial", name="uq_payment_notices_issuer_issued_on_serial"
        ),
    )
    op.create_index("ix_payment_notices_id_number", "payment_notices", ["id_number"])
    op.create_table(
        "notice_confirmations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=False),
        sa.Column("bank_serial", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("payer_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("code", sa.String(48), nullable=True),
        sa.Column("message", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notice_confirmations"),
        sa.UniqueConstraint("bank_name", "bank_serial", name="uq_notice_confirmations_bank_name_bank_serial"),
    )


def downgrade() -> None:
    op.drop_table("notice_confirmations")
    op.drop_index("ix_payment_notices_id_number", table_name="payment_notices")
    op.drop_table("payment_notices")
    op.drop_index("ix_deposit_matched_closes_match_id", table_name="deposit_matched_closes")
    op.drop_table("deposit_matched_closes")
    op.drop_index("ix_deposit_matches_station_id", table_name="deposit_matches")
    op.drop_table("deposit_matches")
    op.drop_index("ix_bank_deposits_match_id", table_name="bank_deposits")
    op.drop_index("ix_bank_deposits_station_id", table_name="bank_deposits")
    op.drop_table("bank_deposits")
    op.drop_index("ix_station_deposit_accounts_station_id", table_name="station_deposit_accounts")
    op.drop_table("station_deposit_accounts")
    op.drop_table("bank_file_imports")
