"""citizens' public pages: document verification and progress look-ups, rate limits

``station_keys`` keeps the keys a station held before its current one (a re-enrolment
moves the old key there, with when and why it ended), so documents signed earlier still
verify; ``public_limits`` counts public look-ups per client and per case number in fixed
windows, shared by every server process.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "station_keys",
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("valid_from", _TS, nullable=True),
        sa.Column("valid_until", _TS, nullable=False),
        sa.Column("ended_by", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "public_key", name="pk_station_keys"),
    )
    op.create_table(
        "public_limits",
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("window_start", _TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_public_limits"),
    )
    op.create_index("ix_public_limits_window_start", "public_limits", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_public_limits_window_start", table_name="public_limits")
    op.drop_table("public_limits")
    op.drop_table("station_keys")
