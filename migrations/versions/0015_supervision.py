"""supervision and step limits: urged, supervised (督办), unchecked auto-filing, the grid worker's
step deadline (indexed for the sweep), late verification, and the agreement reminders given (the
agreement dates indexed for the sweep's look-ups)

A `reported` or `resolved` case stored before has no step deadline yet: the sweep works it out from
the case's category and the stored calendar the first time it runs (`gridflow.cases.sweep`).

Revision ID: 0015_supervision
Revises: 0014_session_place
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_supervision"
down_revision = "0014_session_place"
branch_labels = None
depends_on = None

WAITING_SQL = "state IN ('reported', 'resolved')"
CASE_COLUMNS = (
    ("step_deadline", sa.DateTime(), {}),
    ("unchecked", sa.Boolean(), {"nullable": False, "server_default": sa.false()}),
    ("verification_late_at", sa.DateTime(), {}),
    ("urge_count", sa.Integer(), {"nullable": False, "server_default": "0"}),
    ("urged_at", sa.DateTime(), {}),
    ("supervised_level", sa.String(length=10), {}),
    ("supervised_by_id", sa.Integer(), {}),
    ("supervised_by", sa.String(length=100), {}),
    ("supervised_note", sa.Text(), {}),
    ("supervised_due", sa.DateTime(), {}),
    ("supervised_at", sa.DateTime(), {}),
)


def upgrade() -> None:
    # Plain ADD COLUMNs on both back ends (a batch rebuild of case_file on SQLite would have to move
    # every table that points at it).
    for name, type_, kw in CASE_COLUMNS:
        op.add_column(
            "case_file",
            sa.Column(name, type_, nullable=kw.get("nullable", True), server_default=kw.get("server_default")),
        )
    op.create_index(
        "ix_case_step_deadline",
        "case_file",
        ["step_deadline"],
        postgresql_where=sa.text(WAITING_SQL),
        sqlite_where=sa.text(WAITING_SQL),
    )
    for what in ("performance", "confirmation"):
        op.add_column("agreement", sa.Column(f"{what}_reminded", sa.Integer(), nullable=False, server_default="0"))
        op.create_index(f"ix_agreement_{what}_deadline", "agreement", [f"{what}_deadline"])


def downgrade() -> None:
    for what in ("performance", "confirmation"):
        op.drop_index(f"ix_agreement_{what}_deadline", table_name="agreement")
        op.drop_column("agreement", f"{what}_reminded")
    op.drop_index("ix_case_step_deadline", table_name="case_file")
    for name, _type, _kw in reversed(CASE_COLUMNS):
        op.drop_column("case_file", name)
