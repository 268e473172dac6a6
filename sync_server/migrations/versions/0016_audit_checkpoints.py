"""signed audit checkpoints anchored outside the database

``audit_checkpoints``: each signed (seq, head hash, time) of the audit chain, also written
to the data directory's append-only checkpoint log and sent to every station.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_made_at", "audit_checkpoints", ["made_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_made_at", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
