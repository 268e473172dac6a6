"""fewer index entries per new case

A push writes hundreds of cases a second, and every index of ``cases`` is written with
each: ``ix_cases_station_id`` repeated the first column of ``ix_cases_station_status``
(which serves every look-up by station), and ``ix_cases_decided`` held an entry for
every undecided case although "我已办理" and the workload figures only ask for decided
ones; it now holds only those.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cases_station_id", table_name="cases")
    op.drop_index("ix_cases_decided", table_name="cases")
    op.create_index(
        "ix_cases_decided",
        "cases",
        ["decided_by", "decided_at"],
        postgresql_where=sa.text("decided_by IS NOT NULL"),
        sqlite_where=sa.text("decided_by IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_decided", table_name="cases")
    op.create_index("ix_cases_decided", "cases", ["decided_by", "decided_at"])
    op.create_index("ix_cases_station_id", "cases", ["station_id"])
