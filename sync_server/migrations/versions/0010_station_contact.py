"""stations' public contact details (phone, address) for printed documents

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Printed on the documents a station hands out; contact_version orders the feed's
    # ``station`` changes (0: never set).
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("phone", sa.String(32), nullable=True))
        batch.add_column(sa.Column("address", sa.String(200), nullable=True))
        batch.add_column(sa.Column("contact_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("contact_version")
        batch.drop_column("address")
        batch.drop_column("phone")
