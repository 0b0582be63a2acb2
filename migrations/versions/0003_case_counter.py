"""case counter

Revision ID: 0003_case_counter
Revises: 0002_cases
Create Date: 2026-11-26 16:46:17.269618
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_case_counter"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "case_counter",
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_case_counter")),
    )
    # Continue the serials of cases numbered before the counters existed ("410902-20261126-00042").
    op.execute("""
        INSERT INTO case_counter (prefix, value)
        SELECT substr(number, 1, 16), MAX(CAST(substr(number, 17) AS INTEGER))
        FROM case_file WHERE number LIKE '______-________-%'
        GROUP BY substr(number, 1, 16)
    """)


def downgrade() -> None:

    op.drop_table("case_counter")
