"""heartbeat: when the scheduler last swept (read by GET /healthz)

Revision ID: 0008_heartbeat
Revises: 0007_keyed_chain
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_heartbeat"
down_revision = "0007_keyed_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("heartbeat")
