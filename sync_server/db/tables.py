"""The server's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL.

Design notes that are easy to miss:

* ``operations`` is the exactly-once ledger of what stations pushed, keyed by
  (station_id, op_id) with a unique (station_id, seq): a retry finds its original result.
* ``changes`` is the pull feed. On PostgreSQL each row stores the id of the transaction
  that wrote it (``xid``) and the feed is read in (xid, id) order, only up to the oldest
  transaction still running, so a row that commits late is never skipped. On SQLite
  writers are serialised, so ``xid`` is 0 and ``id`` alone orders the feed.
* ``audit_head`` is a single row locked for update while a transaction appends to the
  hash-chained ``audit_log``; it serialises appenders without a home-made lock service.
* Attachments live in the database (``attachment_chunks``), so server processes keep
  nothing on their own disks and several can run behind a load balancer.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from sync_server.db.types import UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# JSON on SQLite, JSONB on PostgreSQL.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Money = sa.Numeric(14, 2)
# Every timestamp reads back as aware UTC on both backends (DDL: DateTime(timezone=True)).
TS = UTCDateTime()


def _now() -> sa.sql.functions.now:
    return sa.func.now()


stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # StationCode, e.g. 511102004-00
    sa.Column("township_code", sa.String(9), nullable=False, index=True),
    sa.Column("county_code", sa.String(6), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # pending | active | revoked
    sa.Column("public_key", sa.LargeBinary(32)),
    sa.Column("enrol_code_hash", sa.String(64)),
    sa.Column("enrol_expires_at", TS),
    sa.Column("enrolled_at", TS),
    sa.Column("revoked_at", TS),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_push_at", TS),
    sa.Column("last_pull_at", TS),
    sa.Column("pull_cursor", sa.String(256)),  # 256 since 0017 (positions list pending xids)
    sa.Column("clock_offset_seconds", sa.Integer),
    sa.Column("start_over_generation", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False, server_default=_now()),
    # Public contact printed on the station's documents (migration 0010); the version orders
    # the ``station`` feed changes.
    sa.Column("phone", sa.String(32)),
    sa.Column("address", sa.String(200)),
    sa.Column("contact_version", sa.Integer, nullable=False, server_default="0"),
)

# Failed attempts (enrolment codes, console logins) per key, for lockouts that every
# server process sees.
throttle = sa.Table(
    "throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("window_start", TS, nullable=False),
    sa.Column("locked_until", TS),
)

nonces = sa.Table(
    "nonces",
    metadata,
    sa.Column("station_id", sa.String(16), primary_key=True),
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("seen_at", TS, nullable=False, index=True),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("station_id", sa.String(16), sa.ForeignKey("stations.id"), index=True),
    sa.Column("section", sa.String(24), index=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", TS),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", TS, nullable=False, server_default=_now()),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
)

# ---- the registry ("one database") -------------------------------------------------

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("sex", sa.String(6), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("township_code", sa.String(9), index=True),  # household registration (户籍)
    sa.Column("residence_code", sa.String(9)),  # 经常居住地 (flexible workers register there)
    sa.Column("phone", sa.String(20)),
    sa.Column("address", sa.String(200)),
    sa.Column("status", sa.String(10), nullable=False, server_default="alive"),  # alive | deceased
    sa.Column("death_date", sa.Date),
    # Changes of the records a township's stations carry (benefits, card, contributions,
    # status): the slice's version is version + records_version (schema.records.PersonRecord).
    sa.Column("records_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("uscc", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False, index=True),
    sa.Column("township_code", sa.String(9)),
    sa.Column("risk_class", sa.SmallInteger),  # 工伤保险行业风险类别 1..8
    sa.Column("status", sa.String(10), nullable=False, server_default="active"),  # active | closed
    sa.Column("closed_on", sa.Date),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
)

enrolments = sa.Table(
    "enrolments",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), sa.ForeignKey("persons.id_number"), nullable=False),
    sa.Column("insurance_type", sa.String(24), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),  # 参保地
    sa.Column("kind", sa.String(12), nullable=False),  # employee | flexible | resident | retired
    sa.Column("status", sa.String(12), nullable=False),  # active | suspended | stopped
    sa.Column("unit_uscc", sa.String(18)),
    sa.Column("since", sa.Date, nullable=False),
    sa.Column("until", sa.Date),  # the last day covered once stopped
    sa.Column("stop_reason", sa.String(40)),  # schema.person_records.StopReason
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
    sa.UniqueConstraint("id_number", "insurance_type"),
)

# ---- the records of the one database (一库), schema.person_records --------------------
# Contribution years, the average contribution index and the account balance are derived
# from these rows (schema.record_derivations), never typed in.

_BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")
Index4 = sa.Numeric(12, 4)  # contribution index (缴费指数) and its sums

# Every change to a person's key fields, with the old value kept (C008, C018, G12...).
person_changes = sa.Table(
    "person_changes",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("case_id", sa.String(36)),
    sa.Column("source", sa.String(16), nullable=False),  # desk | review | import | demo
    sa.Column("at", TS, nullable=False),
    sa.Index("ix_person_changes_person", "id_number", "at"),
)

# 缴费记录: one row per person × month × insurance × source; a refund is a negative row.
contribution_records = sa.Table(
    "contribution_records",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("insurance_type", sa.String(24), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),  # YYYY-MM contributed for
    sa.Column("base", Money, nullable=False),
    sa.Column("employer_part", Money, nullable=False),
    sa.Column("personal_part", Money, nullable=False),
    sa.Column("account_part", Money, nullable=False),  # credited to the personal account
    # desk | unit_declaration | back_payment | refund | transfer_in
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("case_id", sa.String(36)),
    sa.Column("county_code", sa.String(6), nullable=False),  # 参保地 the money belongs to
    sa.Column("unit_uscc", sa.String(18)),
    sa.Column("recorded_at", TS, nullable=False, server_default=_now()),
    sa.Index("ix_contribution_records_person", "id_number", "insurance_type", "month"),
    sa.Index("ix_contribution_records_month", "month", "county_code"),
    # most rows (unit declarations, archived history) name no case: index only those that do
    sa.Index(
        "ix_contribution_records_case",
        "case_id",
        postgresql_where=sa.text("case_id IS NOT NULL"),
        sqlite_where=sa.text("case_id IS NOT NULL"),
    ),
)

# Archived (closed) years: one row per person × insurance × year, the same figures the
# monthly rows would give.
contribution_year_summaries = sa.Table(
    "contribution_year_summaries",
    metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("insurance_type", sa.String(24), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("months", sa.SmallInteger, nullable=False),
    sa.Column("base_sum", Money, nullable=False),
    sa.Column("employer_sum", Money, nullable=False),
    sa.Column("personal_sum", Money, nullable=False),
    sa.Column("account_sum", Money, nullable=False),
    sa.Column("index_sum", Index4, nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),  # 参保地 at the year's end
)

# 个人账户: the yearly statement per person and insurance (记账利率 of that year).
personal_accounts = sa.Table(
    "personal_accounts",
    metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("insurance_type", sa.String(24), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("opening", Money, nullable=False),
    sa.Column("credited", Money, nullable=False),
    sa.Column("interest", Money, nullable=False),
    sa.Column("rate", sa.Numeric(8, 6), nullable=False),
    sa.Column("closing", Money, nullable=False),
)

# 待遇: a monthly benefit with the calculation that produced it (inputs and steps).
benefits = sa.Table(
    "benefits",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # schema.person_records.BenefitKind
    sa.Column("monthly_amount", Money, nullable=False),
    sa.Column("calculation", JSONType, nullable=False),
    sa.Column("start_month", sa.String(7), nullable=False),
    sa.Column("end_month", sa.String(7)),  # the last month paid, once ended
    sa.Column("status", sa.String(12), nullable=False),  # in_payment | suspended | ended
    sa.Column("status_reason", sa.String(200)),
    sa.Column("paid_through", sa.String(7)),  # the last month already paid out
    sa.Column("bank_name", sa.String(64)),
    sa.Column("bank_account", sa.String(32)),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("case_id", sa.String(36)),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
    sa.Index("ix_benefits_status", "status", "county_code"),
)

# One-off lines to pay out or recover: 丧葬补助金, 一次性工亡补助金, 个人账户余额退还,
# 退费, 追回多发待遇...
payables = sa.Table(
    "payables",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), index=True),  # None: the payee is a unit
    sa.Column("unit_uscc", sa.String(18)),
    sa.Column("payee_name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # schema.person_records.PayableKind
    sa.Column("amount", Money, nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),  # pay | recover
    sa.Column("status", sa.String(10), nullable=False),  # open | paid | cancelled
    sa.Column("case_id", sa.String(36), index=True),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("fund", sa.String(24), nullable=False),  # insurance type, or "suspense"
    sa.Column("detail", JSONType, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("settled_at", TS),
    sa.Index("ix_payables_open", "status", "county_code"),
)

# 社保卡: one row per card issued; ``history`` keeps every status with its time and case.
cards = sa.Table(
    "cards",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("card_number", sa.String(20)),  # known once produced
    # applied | in_production | active | temp_lost | lost | cancelled
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("bank_name", sa.String(64)),
    sa.Column("history", JSONType, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
)

# 转移接续: months and money carried in or out of Leshan.
transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("direction", sa.String(4), nullable=False),  # in | out
    sa.Column("insurance_type", sa.String(24), nullable=False),
    sa.Column("region_from", sa.String(100), nullable=False),
    sa.Column("region_to", sa.String(100), nullable=False),
    sa.Column("months", sa.Integer, nullable=False),
    sa.Column("pooled_amount", Money, nullable=False),
    sa.Column("account_amount", Money, nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("case_id", sa.String(36)),
    sa.Column("at", TS, nullable=False),
)

# 认定、鉴定、备案结论 (工伤认定, 劳动能力鉴定, 视同缴费年限, 异地就医备案…) of a person or a unit.
determinations = sa.Table(
    "determinations",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("id_number", sa.String(18), index=True),  # None: a unit's determination
    sa.Column("unit_uscc", sa.String(18), index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # schema.determinations.DETERMINATION_KINDS
    sa.Column("item_code", sa.String(4), nullable=False),
    sa.Column("result", JSONType, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("case_id", sa.String(36), index=True),
    sa.Column("created_at", TS, nullable=False),
)

# ---- anti-fraud: other departments' files and 稽核 cases (docs/fraud_checks.md) ---------
# One row per file imported; the file's SHA-256 is unique, so the same file twice is one import.
exchange_imports = sa.Table(
    "exchange_imports",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(12), nullable=False),  # death | cremation | prison | marriage
    sa.Column("file_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("imported_by", sa.String(64), nullable=False),
    sa.Column("imported_at", TS, nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_imported", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("problems", JSONType, nullable=False),  # [{line, code, message}] of rejected rows
)
# One row per valid line: what the department says happened to a person.
exchange_events = sa.Table(
    "exchange_events",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("import_id", _BigId, nullable=False, index=True),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),  # died, cremated, imprisoned, registered
    sa.Column("until", sa.Date),  # prison: the sentence's end
    sa.Column("other_id_number", sa.String(18)),  # marriage: the spouse
    sa.Column("detail", JSONType, nullable=False),  # the row's other columns as sent
)
fraud_cases = sa.Table(
    "fraud_cases",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),  # sync_server.core.fraud.findings.FraudKind
    sa.Column("id_number", sa.String(18), index=True),  # the person (the first, for an account)
    sa.Column("subject", sa.String(40), nullable=False),  # the person's ID number or the bank account
    # What the case is about (an exchange event, two benefits, a set of persons): a check that
    # runs again finds the same basis and opens nothing new.
    sa.Column("basis", sa.String(64), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("evidence", JSONType, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | confirmed | dismissed
    sa.Column("opened_at", TS, nullable=False),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", TS),
    sa.Column("reason", sa.Text),
    sa.Column("payable_id", _BigId),  # the recovery (追回) a confirmation created
    sa.UniqueConstraint("kind", "subject", "basis"),
    sa.Index("ix_fraud_cases_status", "status", "county_code"),
)

# ---- sync -------------------------------------------------------------------------

operations = sa.Table(
    "operations",
    metadata,
    sa.Column("station_id", sa.String(16), primary_key=True),
    sa.Column("op_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("result", JSONType, nullable=False),
    sa.Column("station_created_at", TS, nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.UniqueConstraint("station_id", "seq"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("case_number", sa.String(40), nullable=False, unique=True),
    sa.Column("station_id", sa.String(16), nullable=False),  # ix_cases_station_status leads with it
    sa.Column("township_code", sa.String(9), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False, index=True),  # collecting county
    sa.Column("item_code", sa.String(8), nullable=False, index=True),
    sa.Column("tier", sa.String(8), nullable=False),
    sa.Column("section", sa.String(24)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("applicant_kind", sa.String(8), nullable=False),
    sa.Column("applicant_key", sa.String(18), nullable=False, index=True),
    sa.Column("applicant_name", sa.String(200), nullable=False),
    sa.Column("clerk", sa.String(64), nullable=False),
    sa.Column("registration_county", sa.String(6)),  # 参保地
    sa.Column("registration_rule", sa.String(40)),
    sa.Column("attribution_flags", JSONType),  # why 参保地 is provisional: [{code, label, reason}]
    sa.Column("fee_total", Money),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("accepted_at_station", TS, nullable=False),
    sa.Column("accepted_at", TS, nullable=False),  # the acceptance time the server trusts
    sa.Column("received_at", TS, nullable=False),
    sa.Column("clock_flag", sa.String(24)),
    sa.Column("due_date", sa.Date),
    # The due date was counted on the provisional calendar (暂定): recounted when the year's
    # official holiday arrangement is loaded (services.holidays).
    sa.Column("due_provisional", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", TS),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", TS),
    sa.Column("decision_reason", sa.Text),
    sa.Column("completed_at", TS),
    sa.Column("handed_over_at", TS),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TS, nullable=False, server_default=_now()),
    sa.Index("ix_cases_queue", "section", "status", "due_date"),
    sa.Index("ix_cases_station_status", "station_id", "status"),
    sa.Index("ix_cases_accepted_at", "accepted_at"),
    # The console's "我已办理" and workload ask only for decided cases: new ones add no entry.
    sa.Index(
        "ix_cases_decided",
        "decided_by",
        "decided_at",
        postgresql_where=sa.text("decided_by IS NOT NULL"),
        sqlite_where=sa.text("decided_by IS NOT NULL"),
    ),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("detail", JSONType, nullable=False),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("period", sa.String(7), nullable=False),  # YYYY-MM of posting (server date)
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("counterparty_county", sa.String(6), nullable=False),
    sa.Column("insurance_type", sa.String(24), nullable=False),
    sa.Column("account", sa.String(12), nullable=False),
    sa.Column("side", sa.String(10), nullable=False),  # collected | owed
    sa.Column("amount", Money, nullable=False),
    sa.Column("contribution_month", sa.String(7)),
    sa.Column("posted_at", TS, nullable=False),
    sa.Index("ix_ledger_period", "period", "county_code"),
)

# ---- the fund's journal (财务入账, core/journal*.py) and month close (月结) -------------
# One entry per source (a ledger row, a payable arising/settled/cancelled, a payment-plan
# line paid/returned): the unique key makes posting idempotent. ``period`` is the month
# it is booked in (the first open month from ``event_period``).
journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("source_kind", sa.String(24), nullable=False),
    sa.Column("source_id", sa.String(64), nullable=False),
    sa.Column("period", sa.String(7), nullable=False, index=True),
    sa.Column("event_period", sa.String(7), nullable=False),
    sa.Column("memo", sa.String(200), nullable=False),
    sa.Column("posted_at", TS, nullable=False),
    sa.UniqueConstraint("source_kind", "source_id"),
)

journal_lines = sa.Table(
    "journal_lines",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.BigInteger, sa.ForeignKey("journal_entries.id"), nullable=False, index=True),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("fund", sa.String(20), nullable=False),  # core.journal.Fund
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("account", sa.String(24), nullable=False),  # core.journal.JournalAccount
    sa.Column("debit", Money, nullable=False),
    sa.Column("credit", Money, nullable=False),
    sa.Index("ix_journal_lines_period_fund", "period", "fund", "county_code", "account"),
)

month_closes = sa.Table(
    "month_closes",
    metadata,
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("closed_by", sa.String(64), nullable=False),
    sa.Column("closed_at", TS, nullable=False),
    sa.Column("trial_balance", JSONType, nullable=False),
)

# A month's collection plan (征缴计划) locked for the close: month close refuses a month
# whose plan lines exist and are not locked.
collection_plan_locks = sa.Table(
    "collection_plan_locks",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("locked_by", sa.String(64), nullable=False),
    sa.Column("locked_at", TS, nullable=False),
)

# 征缴计划 (issue 13, S1): what each unit (employer and employee parts of its employees) and
# each flexible worker owes for a month, one row per (month, payer, insurance). ``digest``
# makes a rebuild idempotent: only rows whose content changed are written (and audited).
collection_plan_lines = sa.Table(
    "collection_plan_lines",
    metadata,
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM owed for
    sa.Column("payer_kind", sa.String(8), primary_key=True),  # unit | flexible
    sa.Column("payer", sa.String(18), primary_key=True),  # unit USCC or the person's ID number
    sa.Column("insurance_type", sa.String(24), primary_key=True),
    sa.Column("county_code", sa.String(6), nullable=False),  # 参保地 the money belongs to
    sa.Column("township_code", sa.String(9)),  # where reminders go (flexible: 经常居住地, else 户籍)
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("base_total", Money, nullable=False),
    sa.Column("employer_part", Money, nullable=False),
    sa.Column("employee_part", Money, nullable=False),  # the person's own part (flexible: all of it)
    sa.Column("account_part", Money, nullable=False),  # of which credited to personal accounts
    sa.Column("amount", Money, nullable=False),  # employer_part + employee_part
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("built_at", TS, nullable=False),
    sa.Index("ix_collection_plan_month_county", "month", "county_code"),
    sa.Index("ix_collection_plan_month_township", "month", "township_code"),
)

# 支付计划 (issue 13, S2): one plan per month, built by a 基金财务 maker, approved by a
# different checker, locked once its bank files are exported. ``digest`` keeps a rebuild
# that changes nothing from writing anything.
payment_plans = sa.Table(
    "payment_plans",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("month", sa.String(7), nullable=False, unique=True),
    sa.Column("status", sa.String(10), nullable=False),  # prepared | approved | exported
    sa.Column("lines", sa.Integer, nullable=False),  # paid lines
    sa.Column("left_out", sa.Integer, nullable=False),
    sa.Column("total", Money, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("prepared_by", sa.String(64), nullable=False),
    sa.Column("prepared_at", TS, nullable=False),
    sa.Column("approved_by", sa.String(64)),
    sa.Column("approved_at", TS),
    sa.Column("exported_by", sa.String(64)),
    sa.Column("exported_at", TS),
)

# One line per payment (or per benefit left out, with the reason); ``status``: planned,
# left_out, sent (in an exported bank file), returned (the bank could not credit it).
payment_plan_lines = sa.Table(
    "payment_plan_lines",
    metadata,
    sa.Column("id", _BigId, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.BigInteger, sa.ForeignKey("payment_plans.id"), nullable=False),
    sa.Column("source", sa.String(8), nullable=False),  # benefit | payable
    sa.Column("source_id", sa.BigInteger, nullable=False),
    sa.Column("id_number", sa.String(18)),
    sa.Column("payee_name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("first_month", sa.String(7)),
    sa.Column("last_month", sa.String(7)),
    sa.Column("amount", Money, nullable=False),
    sa.Column("bank_name", sa.String(64)),
    sa.Column("bank_account", sa.String(32)),
    sa.Column("reason", sa.String(20)),  # why left out (core.payroll.REASONS)
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("returned_reason", sa.String(200)),
    sa.Index("ix_payment_plan_lines_plan", "plan_id", "county_code", "kind"),
)

conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("entity", sa.String(16), nullable=False),  # person | unit | enrolment
    sa.Column("entity_key", sa.String(40), nullable=False),
    sa.Column("base_version", sa.Integer),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("proposed", JSONType, nullable=False),
    sa.Column("current", JSONType, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | resolved
    sa.Column("resolution", sa.String(16)),
    sa.Column("resolved_by", sa.String(64)),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("resolved_at", TS),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("xid", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("scope", sa.String(32), nullable=False),  # all | station:<id> | township:<code>
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", TS, nullable=False, server_default=_now()),
    sa.Index("ix_changes_feed", "scope", "xid", "id"),
    sa.Index("ix_changes_created", "created_at"),  # pruning (0017)
)

# The feed's prune mark (0017, one row): every row deleted by `sync-server feed prune` was
# seen by this position; a cursor that does not cover it starts over (services.feed.prune).
feed_prune = sa.Table(
    "feed_prune",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("mark", sa.String(256), nullable=False),  # core.cursor feed cursor text
    sa.Column("pruned_before", TS, nullable=False),  # the retention cutoff of the last run
    sa.Column("pruned_at", TS, nullable=False),
    sa.Column("deleted", sa.BigInteger, nullable=False),  # rows deleted by the last run
)

reference_versions = sa.Table(
    "reference_versions",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),  # catalog | rates | divisions
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("published_at", TS, nullable=False),
)

# The official holiday arrangement of a year (国务院办公厅 notice), loaded with
# ``sync-server calendar import``; a reload replaces the year and bumps its version.
holiday_schedules = sa.Table(
    "holiday_schedules",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("holidays", JSONType, nullable=False),  # ISO dates off
    sa.Column("workdays", JSONType, nullable=False),  # ISO weekend dates worked
    sa.Column("source", sa.Text, nullable=False),  # the notice: title, 文号
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("loaded_by", sa.String(64), nullable=False),
    sa.Column("loaded_at", TS, nullable=False),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(32), nullable=False),
    sa.Column("received_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("station_id", sa.String(16), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("completed_at", TS),
)

attachment_chunks = sa.Table(
    "attachment_chunks",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("offset", sa.BigInteger, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(24), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("detail", JSONType, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_seen_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
)

# ---- citizens' public pages (migration 0011) ----------------------------------------------

# Keys a station held before its current one (``stations.public_key``): a re-enrolment moves
# the old key here, so documents it signed before then still verify. ``ended_by``: revoked
# (the station was revoked first) or replaced.
station_keys = sa.Table(
    "station_keys",
    metadata,
    sa.Column("station_id", sa.String(16), primary_key=True),
    sa.Column("public_key", sa.LargeBinary(32), primary_key=True),
    sa.Column("valid_from", TS),
    sa.Column("valid_until", TS, nullable=False),
    sa.Column("ended_by", sa.String(10), nullable=False),
)

# Fixed-window counters of the public look-ups, per client and per case number, shared by
# every server process; rows whose window has passed are pruned.
public_limits = sa.Table(
    "public_limits",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("window_start", TS, nullable=False, index=True),
)

# ---- document-signing certificates (migration 0012) ---------------------------------------

# Certificates the city's document CA issued to stations for their PDF receipts; serial in
# hex. ``revocation_reason``: station_revoked or superseded (the station got a newer one).
document_certificates = sa.Table(
    "document_certificates",
    metadata,
    sa.Column("serial", sa.String(40), primary_key=True),
    sa.Column("station_id", sa.String(16), nullable=False, index=True),
    sa.Column("certificate", sa.LargeBinary, nullable=False),
    sa.Column("not_before", TS, nullable=False),
    sa.Column("not_after", TS, nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("revoked_at", TS),
    sa.Column("revocation_reason", sa.String(16)),
)

# ---- receipt stock and voids (migration 0013) ----------------------------------------------

# One row per receipt series (票据代码): locked while a range of it is allocated, so two
# allocations at once cannot both pass the overlap check.
receipt_series = sa.Table(
    "receipt_series",
    metadata,
    sa.Column("series", sa.String(8), primary_key=True),
    sa.Column("created_at", TS, nullable=False),
)

# Numbers ``first`` … ``last`` of a series allocated to a station (schema.receipt_numbers);
# never overlapping within a series; ``id`` is the allocation order and the stock's version.
receipt_ranges = sa.Table(
    "receipt_ranges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("station_id", sa.String(16), sa.ForeignKey("stations.id"), nullable=False, index=True),
    sa.Column("series", sa.String(8), sa.ForeignKey("receipt_series.series"), nullable=False),
    sa.Column("first", sa.BigInteger, nullable=False),
    sa.Column("last", sa.BigInteger, nullable=False),
    sa.Column("allocated_at", TS, nullable=False),
    sa.Column("allocated_by", sa.String(64), nullable=False),
    sa.Index("ix_receipt_ranges_series_first", "series", "first"),
)

# A receipt a station voided (a ``receipt_void`` operation), once per number.
receipt_voids = sa.Table(
    "receipt_voids",
    metadata,
    sa.Column("series", sa.String(8), primary_key=True),
    sa.Column("number", sa.BigInteger, primary_key=True),
    sa.Column("station_id", sa.String(16), nullable=False, index=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("receipt_number", sa.String(40), nullable=False),  # the station's own (…-F0003)
    sa.Column("amount", Money, nullable=False),
    sa.Column("clerk", sa.String(64), nullable=False),
    sa.Column("witness", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("reissued_series", sa.String(8)),
    sa.Column("reissued_number", sa.BigInteger),
    sa.Column("voided_at", TS, nullable=False),  # station clock
    sa.Column("received_at", TS, nullable=False),
    sa.Column("op_id", sa.String(36), nullable=False),
)

# ---- bank deposits and payment notices (migration 0015) ------------------------------------

# A bank file imported once (by its SHA-256): the deposit file of the collection account
# (kind ``deposits``) or a confirmation file of payment notices paid (kind ``notices_paid``).
bank_file_imports = sa.Table(
    "bank_file_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("bank_name", sa.String(64), nullable=False),
    sa.Column("imported_by", sa.String(64), nullable=False),
    sa.Column("imported_at", TS, nullable=False),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("new_lines", sa.Integer, nullable=False),  # lines not in an earlier file
    sa.Column("total", Money, nullable=False),
    sa.UniqueConstraint("kind", "file_sha256"),
)

# Payer accounts a station deposits its cash from (日结存款), so a deposit finds its station.
station_deposit_accounts = sa.Table(
    "station_deposit_accounts",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("station_id", sa.String(16), nullable=False, index=True),
    sa.Column("added_by", sa.String(64), nullable=False),
    sa.Column("added_at", TS, nullable=False),
)

# One row per deposit on the collection account, once (account, bank serial) however many
# files list it; ``match_id`` once a match (deposit_matches) accounts for it.
bank_deposits = sa.Table(
    "bank_deposits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("account", sa.String(40), nullable=False),  # the city's collection account
    sa.Column("bank_serial", sa.String(64), nullable=False),
    sa.Column("value_date", sa.Date, nullable=False),
    sa.Column("payer_account", sa.String(40), nullable=False),
    sa.Column("payer_name", sa.String(100), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("memo", sa.String(200), nullable=False),
    sa.Column("station_id", sa.String(16), index=True),  # None: no station recognised
    sa.Column("match_id", sa.Integer, index=True),
    sa.UniqueConstraint("account", "bank_serial"),
)

# A group of closes and the deposits that pay them (core.deposit_matching); the closes are
# ``station_closes`` rows (migration 0014), listed in deposit_matched_closes.
deposit_matches = sa.Table(
    "deposit_matches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("station_id", sa.String(16), nullable=False, index=True),
    sa.Column("rule", sa.String(10), nullable=False),  # one | days | split | nothing
    sa.Column("total", Money, nullable=False),
    sa.Column("matched_by", sa.String(64), nullable=False),
    sa.Column("matched_at", TS, nullable=False),
)

deposit_matched_closes = sa.Table(
    "deposit_matched_closes",
    metadata,
    sa.Column("close_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("match_id", sa.Integer, nullable=False, index=True),
)

# 缴费通知单: a G12/G14-type contribution the person pays through the bank or tax channel.
# ``fee`` is the schema.fees.Contribution computed at issue; the bank's confirmation writes
# its contribution records (source ``bank``) once.
payment_notices = sa.Table(
    "payment_notices",
    metadata,
    sa.Column("reference", sa.String(22), primary_key=True),  # schema.payment_reference
    sa.Column("issuer", sa.String(16), nullable=False),  # station code, or the city's
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("serial", sa.Integer, nullable=False),
    sa.Column("issued_by", sa.String(64), nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("item_code", sa.String(8), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),  # 参保地 the money belongs to
    sa.Column("first_month", sa.String(7), nullable=False),
    sa.Column("last_month", sa.String(7), nullable=False),
    sa.Column("amount", Money, nullable=False),  # what the person pays
    sa.Column("fee", JSONType, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # issued | paid | cancelled
    sa.Column("paid_on", sa.Date),
    sa.Column("confirmation_id", sa.Integer),
    sa.Column("valid_until", sa.Date),  # a station's notice says until when the bank takes it
    sa.UniqueConstraint("issuer", "issued_on", "serial"),
)

# Each line of a bank's confirmation file, once per (bank, bank serial): ``applied`` paid a
# notice; ``problem`` is money received that paid nothing (code and message say why).
notice_confirmations = sa.Table(
    "notice_confirmations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("bank_name", sa.String(64), nullable=False),
    sa.Column("bank_serial", sa.String(64), nullable=False),
    sa.Column("reference", sa.String(40), nullable=False),  # as the bank echoed it
    sa.Column("amount", Money, nullable=False),
    sa.Column("paid_on", sa.Date, nullable=False),
    sa.Column("payer_name", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # applied | problem
    sa.Column("code", sa.String(48)),
    sa.Column("message", sa.String(300)),
    sa.UniqueConstraint("bank_name", "bank_serial"),
)

# ---- stations' daily cash closes (migration 0014) -------------------------------------------

# A station's 日结 (schema.daily_close), received once by its ``daily_close`` operation: one row
# per station, business day and ``part`` (1 日结, 2… 补充日结). ``counted`` is the cash the
# station deposits (bank deposits are matched to it); ``difference`` = counted − expected.
station_closes = sa.Table(
    "station_closes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("close_id", sa.String(36), nullable=False, unique=True),
    sa.Column("station_id", sa.String(16), sa.ForeignKey("stations.id"), nullable=False),
    sa.Column("business_day", sa.Date, nullable=False, index=True),
    sa.Column("part", sa.Integer, nullable=False),
    sa.Column("counted", Money, nullable=False),
    sa.Column("expected", Money, nullable=False),
    sa.Column("difference", Money, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("receipts", sa.Integer, nullable=False),
    sa.Column("voided", sa.Integer, nullable=False),
    sa.Column("closed_by", sa.String(64), nullable=False),
    sa.Column("closed_at", TS, nullable=False),  # station clock
    sa.Column("received_at", TS, nullable=False),
    sa.Column("op_id", sa.String(36), nullable=False),
    sa.Column("denominations", JSONType, nullable=False),
    sa.Column("receipt_list", JSONType, nullable=False),
    sa.UniqueConstraint("station_id", "business_day", "part"),
)

# ---- signed audit checkpoints (migration 0016) ------------------------------------------------

# Every checkpoint made of the audit chain's head (schema.audit_checkpoint), as also appended
# to <data dir>/audit-checkpoints.log and published to every station. Kept here only to know
# when the last was made and to list them: checks trust the copies outside the database.
audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("made_at", TS, nullable=False, index=True),
    sa.Column("signature", sa.String(200), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),
)
