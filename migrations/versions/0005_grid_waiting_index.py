"""the grid worker's queue index holds only what waits for him (reported, resolved)

The full (grid_id, state) index served only that queue (searches by area cannot use it: they also
match the caller's own reports), yet every new case wrote an entry; field reports, filed at once,
never wait for the grid worker.

Revision ID: 0005_grid_waiting_index
Revises: 0004_lean_case_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_grid_waiting_index"
down_revision = "0004_lean_case_indexes"
branch_labels = None
depends_on = None

WAITING = "state IN ('reported', 'resolved')"


def upgrade() -> None:
    op.drop_index("ix_case_grid_state", table_name="case_file")
    op.create_index(
        "ix_case_grid_waiting",
        "case_file",
        ["grid_id"],
        unique=False,
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_case_grid_waiting", table_name="case_file")
    op.create_index("ix_case_grid_state", "case_file", ["grid_id", "state"], unique=False)
