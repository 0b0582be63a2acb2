"""supervised cases: a partial index for the dashboard's count and list of cases under supervision

Revision ID: 0018_supervised_index
Revises: 0017_case_facts
"""

from alembic import op
from sqlalchemy import text

revision = "0018_supervised_index"
down_revision = "0017_case_facts"
branch_labels = None
depends_on = None

SUPERVISED = text("supervised_level IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_case_supervised", "case_file", ["supervised_due"], postgresql_where=SUPERVISED, sqlite_where=SUPERVISED
    )


def downgrade() -> None:
    op.drop_index("ix_case_supervised", table_name="case_file")
