"""Open311: the API keys of the applications that send feedback through GeoReport v2.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("created_by", sa.String(254)),
        sa.Column("last_used_at", Stamp),
        sa.Column("revoked_at", Stamp),
    )


def downgrade() -> None:
    op.drop_table("open311_keys")
