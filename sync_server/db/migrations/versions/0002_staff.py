"""Staff accounts, their sessions and the append-only audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)
Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
    END $$""",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("password_changed_at", Stamp, nullable=False),
        sa.Column("disabled_at", Stamp),
        sa.Column("failed_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", Stamp),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_used_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("client_ip", sa.String(64)),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", Stamp, nullable=False, index=True),
        sa.Column("staff_id", sa.Integer),
        sa.Column("staff_email", sa.String(254)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(300)),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("client_ip", sa.String(64)),
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("refused: the audit log is never dropped by a migration")
