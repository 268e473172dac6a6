"""a feed cursor no long transaction can stall; feed pruning

``stations.pull_cursor`` widens to 256 characters (positions now list the transactions
that were running, ``core.cursor``); ``changes.created_at`` is indexed for pruning;
``feed_prune`` holds the prune mark: every row ``sync-server feed prune`` deleted was
seen by it, and a cursor that does not cover it is told to start over.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.alter_column("pull_cursor", existing_type=sa.String(64), type_=sa.String(256))
    op.create_index("ix_changes_created", "changes", ["created_at"])
    op.create_table(
        "feed_prune",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mark", sa.String(256), nullable=False),
        sa.Column("pruned_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_prune"),
    )


def downgrade() -> None:
    op.drop_table("feed_prune")
    op.drop_index("ix_changes_created", table_name="changes")
    with op.batch_alter_table("stations") as batch:
        batch.alter_column("pull_cursor", existing_type=sa.String(256), type_=sa.String(64))
