"""identity and audit: token versions, e-mail and phone of users, the login throttle, the audit log

- `user_account.token_version`: tokens and web sessions carry it; bumping it ends them all at once.
- `user_account.email`, `.phone`: contact details for notifications.
- `login_throttle`: failed logins per user name and per client address in the current window.
- `audit_event` (append-only, keyed hash chain) and `audit_anchor` (its one-row anchor).  Triggers on
  both back ends refuse UPDATE and DELETE on `audit_event` (and TRUNCATE on PostgreSQL), and DELETE
  of the anchor: the application has no code path that changes the log, and the database says no
  to anyone else who tries without first dropping the triggers.

Revision ID: 0013_identity
Revises: 0012_categories_calendar
"""

import sqlalchemy as sa
from alembic import op

from gridflow.hashchain import GENESIS

revision = "0013_identity"
down_revision = "0012_categories_calendar"
branch_labels = None
depends_on = None

MESSAGE = "the audit log is append-only"
SQLITE_TRIGGERS = [
    (name, f"BEFORE {action} ON {table}")
    for name, action, table in (
        ("audit_event_no_update", "UPDATE", "audit_event"),
        ("audit_event_no_delete", "DELETE", "audit_event"),
        ("audit_anchor_no_delete", "DELETE", "audit_anchor"),
    )
]
PG_TRIGGERS = [
    ("audit_event_no_change", "BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW"),
    ("audit_event_no_truncate", "BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT"),
    ("audit_anchor_no_delete", "BEFORE DELETE ON audit_anchor FOR EACH ROW"),
    ("audit_anchor_no_truncate", "BEFORE TRUNCATE ON audit_anchor FOR EACH STATEMENT"),
]


def upgrade() -> None:
    op.add_column("user_account", sa.Column("token_version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column("user_account", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("user_account", sa.Column("phone", sa.String(length=20), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_started_at"), "login_throttle", ["started_at"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"], unique=False)
    op.create_index(op.f("ix_audit_event_actor_id"), "audit_event", ["actor_id"], unique=False)
    op.create_index(op.f("ix_audit_event_kind"), "audit_event", ["kind"], unique=False)
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("length", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("head", sa.String(length=64), server_default=GENESIS, nullable=False),
        sa.Column("seal", sa.String(length=80), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_anchor_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION gridflow_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$"
        )
        for name, when in PG_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION gridflow_audit_append_only()")
    else:
        for name, when in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, when in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {when.split(' ON ')[1].split()[0]}")
        op.execute("DROP FUNCTION IF EXISTS gridflow_audit_append_only()")
    else:
        for name, _when in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_anchor")
    op.drop_index(op.f("ix_audit_event_kind"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_actor_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index(op.f("ix_login_throttle_started_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    for column in ("phone", "email", "token_version"):
        op.drop_column("user_account", column)
