"""document-signing certificates the city CA issues to stations (PAdES receipts)

One row per certificate the document CA issued (``services.admin.document_ca``): its
serial (hex), the station, the DER, when it is valid, and when and why it stopped
answering for the station (``station_revoked`` when the station was revoked,
``superseded`` when the station got a newer one).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_certificates",
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(16), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", _TS, nullable=False),
        sa.Column("not_after", _TS, nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("revocation_reason", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("serial", name="pk_document_certificates"),
    )
    op.create_index("ix_document_certificates_station_id", "document_certificates", ["station_id"])


def downgrade() -> None:
    op.drop_index("ix_document_certificates_station_id", table_name="document_certificates")
    op.drop_table("document_certificates")
