"""The first schema: devices, tokens, the append-only raw log, seals, quarantine,
anomalies, batches, processes and manifests.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)
Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER records_no_update BEFORE UPDATE ON records "
    "BEGIN SELECT RAISE(ABORT, 'the raw record log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER records_no_delete BEFORE DELETE ON records "
    "BEGIN SELECT RAISE(ABORT, 'the raw record log is append-only: DELETE refused'); END",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the raw record log is append-only: % refused', TG_OP;
    END $$""",
    "CREATE TRIGGER records_no_change BEFORE UPDATE OR DELETE ON records "
    "FOR EACH ROW EXECUTE FUNCTION records_append_only()",
    "CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records "
    "FOR EACH STATEMENT EXECUTE FUNCTION records_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("place", sa.String(200)),
        sa.Column("public_key", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_at", Stamp, nullable=False),
        sa.Column("revoked_at", Stamp),
        sa.Column("last_seen", Stamp),
        sa.Column("clock_offset_s", sa.Integer),
        sa.Column("pending_reported", sa.Integer),
        sa.Column("ack_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ack_hash", sa.String(64)),
    )
    op.create_table(
        "enrollment_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("place", sa.String(200)),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("used_at", Stamp),
        sa.Column("device", sa.String(32)),
    )
    op.create_table(
        "records",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("device", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("seal_seq", sa.Integer),
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
    )
    op.create_table(
        "seals",
        sa.Column("device", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prev", sa.String(64), nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("received_at", Stamp, nullable=False),
    )
    op.create_table(
        "seal_members",
        sa.Column("device", sa.String(32), primary_key=True),
        sa.Column("seal_seq", sa.Integer, primary_key=True),
        sa.Column("record_hash", sa.String(64), primary_key=True),
    )
    op.create_index("ix_seal_members_record", "seal_members", ["device", "record_hash"])
    op.create_table(
        "quarantine",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("device", sa.String(64), index=True),
        sa.Column("batch_id", sa.String(32)),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("record_hash", sa.String(64)),
        sa.Column("kind", sa.String(40)),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("raw_sha256", sa.String(64), nullable=False),
        sa.Column("raw_length", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "anomalies",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("device", sa.String(32)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("device", sa.String(64)),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicate", sa.Integer, nullable=False, server_default="0"),
        sa.Column("quarantined", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "processes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("activities", sa.JSON, nullable=False),
        sa.Column("test", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("min_seal", sa.Integer, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
    )
    op.create_table(
        "manifests",
        sa.Column("serial", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("refused: the raw record log is never dropped by a migration")
