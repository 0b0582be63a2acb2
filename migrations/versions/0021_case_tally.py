"""case tally: the figures' running totals per community, report month, level and state, for the cases
whose figures no longer depend on the clock; the settled cases' handling times in whole hours (kept
per county, month and level for the medians); indexes on case facts for the running cases, a
community's cases, a month's reports and the closed cases' handling times

Fills both from the stored facts.

Revision ID: 0021_case_tally
Revises: 0020_patrol_visit_how
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_case_tally"
down_revision = "0020_patrol_visit_how"
branch_labels = None
depends_on = None

COUNTS = (
    "reported",
    "filed",
    "closed",
    "on_time",
    "ever_overdue",
    "reworked",
    "extended",
    "disputes_closed",
    "satisfied",
    "satisfaction_told",
    "hours_n",
    *(f"handled_{lvl}" for lvl in ("community", "street", "county", "city")),
    *(f"escalated_{lvl}" for lvl in ("community", "street", "county")),
    *(f"settled_{lvl}" for lvl in ("community", "street", "county", "city")),
)
LIVE = sa.text("state IN ('open', 'handling', 'resolved')")
HANDLED = sa.text("handling_hour IS NOT NULL")
HOURS = ("city_id", "county_id", "street_id", "community_id", "report_month", "level", "handling_hour")


def upgrade() -> None:
    op.add_column("case_facts", sa.Column("handling_hour", sa.Integer(), nullable=True))
    # To the nearest whole hour, half up (handling times are never negative: truncating x + 0.5 is
    # the floor on both back ends).
    op.execute(
        "UPDATE case_facts SET handling_hour = CAST(FLOOR(handling_hours + 0.5) AS INTEGER) WHERE handling_hours IS NOT NULL"
        if op.get_bind().dialect.name == "postgresql"
        else "UPDATE case_facts SET handling_hour = CAST(handling_hours + 0.5 AS INTEGER) WHERE handling_hours IS NOT NULL"
    )
    op.create_table(
        "case_hours",
        sa.Column("county_id", sa.Integer(), primary_key=True),
        sa.Column("report_month", sa.Integer(), primary_key=True),
        sa.Column("level", sa.String(length=10), primary_key=True),
        sa.Column("hour", sa.Integer(), primary_key=True),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
    )
    op.create_table(
        "case_tally",
        sa.Column("community_id", sa.Integer(), primary_key=True),
        sa.Column("report_month", sa.Integer(), primary_key=True),
        sa.Column("level", sa.String(length=10), primary_key=True),
        sa.Column("state", sa.String(length=10), primary_key=True),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS[:11]),
        sa.Column("hours_sum", sa.Float(), nullable=False),
        sa.Column("days_sum", sa.Float(), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in COUNTS[11:]),
    )
    op.create_index("ix_case_facts_live", "case_facts", ["state"], postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_index("ix_case_facts_community", "case_facts", ["community_id", "report_month"])
    op.create_index("ix_case_facts_month", "case_facts", ["report_month"])
    op.create_index("ix_case_facts_hours", "case_facts", list(HOURS), postgresql_where=HANDLED, sqlite_where=HANDLED)
    from gridflow.stats.tally import refill

    refill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_case_facts_hours", table_name="case_facts")
    op.drop_index("ix_case_facts_month", table_name="case_facts")
    op.drop_index("ix_case_facts_community", table_name="case_facts")
    op.drop_index("ix_case_facts_live", table_name="case_facts")
    op.drop_table("case_tally")
    op.drop_table("case_hours")
    op.drop_column("case_facts", "handling_hour")
