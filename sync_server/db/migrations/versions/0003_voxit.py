"""Voxit conversations: statements with their moderation, participant numbers, analysis runs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voxit_statements",
        sa.Column("process_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),  # Polis comment id
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),  # seed | participant
        sa.Column("text", sa.JSON, nullable=False),  # lang -> text
        sa.Column("lang", sa.String(16)),  # a participant statement's language
        sa.Column("author", sa.Integer),  # participant number of a participant's statement
        sa.Column("record_hash", sa.String(64), unique=True),  # the voxit.statement record, if any
        sa.Column("state", sa.String(12), nullable=False),  # pending | approved | rejected
        sa.Column("meta", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_ms", sa.BigInteger, nullable=False),  # ms since epoch, as Polis timestamps
        sa.Column("decided_at", Stamp),
        sa.Column("decided_by", sa.Integer),  # staff id; none for imports and file seeds
        sa.UniqueConstraint("process_id", "slug", name="uq_voxit_statements_slug"),
    )
    op.create_index("ix_voxit_statements_state", "voxit_statements", ["process_id", "state"])
    op.create_table(
        "voxit_participants",
        sa.Column("process_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),  # Polis participant id
        sa.Column("token", sa.String(26), nullable=False),
        sa.UniqueConstraint("process_id", "token", name="uq_voxit_participants_token"),
    )
    op.create_table(
        "voxit_analysis_runs",
        sa.Column("process_id", sa.String(64), primary_key=True),
        sa.Column("run", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("votes", sa.Integer, nullable=False),  # voxit.vote records read
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),  # Analysis.to_json(), ids as participant/statement numbers
    )


def downgrade() -> None:
    raise RuntimeError("refused: moderation decisions and analysis runs are never dropped by a migration")
