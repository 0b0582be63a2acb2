"""client ids: exactly-once reports and events (a phone sends again what it is unsure arrived)

Revision ID: 0009_client_ids
Revises: 0008_heartbeat
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_client_ids"
down_revision = "0008_heartbeat"
branch_labels = None
depends_on = None

GIVEN = sa.text("client_id IS NOT NULL")


def upgrade() -> None:
    # Plain ADD/DROP COLUMN on both back ends (a batch rebuild of case_file on SQLite would have to move
    # every table that points at it).
    op.add_column("case_file", sa.Column("client_id", sa.String(length=36), nullable=True))
    op.add_column("case_event", sa.Column("client_id", sa.String(length=36), nullable=True))
    op.create_index(
        "ix_case_client",
        "case_file",
        ["reporter_id", "client_id"],
        unique=True,
        postgresql_where=GIVEN,
        sqlite_where=GIVEN,
    )
    op.create_index(
        "ix_case_event_client",
        "case_event",
        ["actor_id", "client_id"],
        unique=True,
        postgresql_where=GIVEN,
        sqlite_where=GIVEN,
    )


def downgrade() -> None:
    op.drop_index("ix_case_event_client", table_name="case_event")
    op.drop_index("ix_case_client", table_name="case_file")
    op.drop_column("case_event", "client_id")
    op.drop_column("case_file", "client_id")
