"""patrol visits: how the visit was made (details opened, case reported) and how far from the entity
the phone stood

Revision ID: 0020_patrol_visit_how
Revises: 0019_case_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_patrol_visit_how"
down_revision = "0019_case_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Visits recorded before this revision keep NULL: nothing is known of how they were made.
    op.add_column("patrol_visit", sa.Column("how", sa.String(length=10), nullable=True))
    op.add_column("patrol_visit", sa.Column("distance_m", sa.Float(), nullable=True))
    op.add_column("patrol_visit", sa.Column("accuracy_m", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patrol_visit") as batch:
        batch.drop_column("accuracy_m")
        batch.drop_column("distance_m")
        batch.drop_column("how")
