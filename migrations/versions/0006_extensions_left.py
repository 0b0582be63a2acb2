"""extensions left at the case's current level (the count restarts when the case changes level)

A supervisor may extend a case's deadline at most MAX_EXTENSIONS_PER_LEVEL times per level; a case
entering a level gets that many.  Cases stored before: the default (2) less the extensions they had.

Revision ID: 0006_extensions_left
Revises: 0005_grid_waiting_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_extensions_left"
down_revision = "0005_grid_waiting_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both back ends (a batch rebuild of case_file on SQLite would have to move
    # every table that points at it).
    op.add_column("case_file", sa.Column("extensions_left", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE case_file SET extensions_left = CASE WHEN extensions >= 2 THEN 0 ELSE 2 - extensions END "
        "WHERE state IN ('open', 'handling', 'resolved')"
    )


def downgrade() -> None:
    op.drop_column("case_file", "extensions_left")
