"""session place: where a mediation session was held (its time was already kept)

Revision ID: 0014_session_place
Revises: 0013_identity
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_session_place"
down_revision = "0013_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mediation_session", sa.Column("place", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("mediation_session", "place")
