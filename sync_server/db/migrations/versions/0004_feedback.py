"""Feedback: cases projected from ``feedback.item`` records, answers, and the routing history.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)
Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "feedback_cases",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("record_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("record_id", sa.String(32), nullable=False, unique=True),
        sa.Column("reference", sa.String(12), nullable=False, index=True),
        sa.Column("process", sa.String(64), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("sent_topic", sa.String(64), nullable=False),
        sa.Column("place", sa.String(64)),
        sa.Column("wants_reply", sa.Boolean, nullable=False),
        sa.Column("has_contact", sa.Boolean, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("problem", sa.String(40)),
        sa.Column("problem_detail", sa.Text),
        sa.Column("topic", sa.String(64)),
        sa.Column("team", sa.String(100)),
        sa.Column("routing", sa.String(16), nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("suggestion", sa.String(100)),
        sa.Column("suggestion_team", sa.String(100)),
        sa.Column("suggestion_topic", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("top3", sa.JSON),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_at", Stamp, nullable=False),
        sa.Column("due_on", sa.String(10)),
        sa.Column("answered_at", Stamp),
        sa.Column("duplicate_of", Id),
        sa.Column("duplicate_score", sa.Float),
        sa.Column("published_at", Stamp),
        sa.Index("ix_feedback_cases_team", "team", "status"),
        sa.Index("ix_feedback_cases_recent", "process", "sent_topic", "place", "day"),
        sa.Index("ix_feedback_cases_due", "due_on"),
        sa.Index("ix_feedback_cases_routing", "routing"),
    )
    op.create_table(
        "feedback_answers",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", Id, sa.ForeignKey("feedback_cases.id"), nullable=False, index=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("staff_id", sa.Integer),
        sa.Column("staff_email", sa.String(254)),
        sa.Column("team", sa.String(100)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
    )
    op.create_table(
        "feedback_routings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", Id, sa.ForeignKey("feedback_cases.id"), nullable=False, index=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("staff_id", sa.Integer),
        sa.Column("staff_email", sa.String(254)),
        sa.Column("from_team", sa.String(100)),
        sa.Column("from_topic", sa.String(64)),
        sa.Column("to_team", sa.String(100), nullable=False),
        sa.Column("to_topic", sa.String(64)),
        sa.Column("suggestion", sa.String(100)),
        sa.Column("confidence", sa.Float),
    )


def downgrade() -> None:
    raise RuntimeError("refused: feedback cases, answers and routings are never dropped by a migration")
