"""case facts: what the evaluation figures count, kept per case with its events; follow-up visits
record whether the parties were satisfied

Backfills the facts of every stored case from its timeline (deadlines recomputed as the workflow set
them, with the stored categories and the working calendar as the office keeps it now, default office
hours).

Revision ID: 0017_case_facts
Revises: 0016_notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_case_facts"
down_revision = "0016_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("follow_up", sa.Column("satisfied", sa.Boolean(), nullable=True))
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("report_month", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("duty", sa.String(length=16), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("filed_at", sa.DateTime(), nullable=True),
        sa.Column("first_deadline", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("ever_overdue", sa.Boolean(), nullable=False),
        sa.Column("reworked", sa.Boolean(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("levels_reached", sa.SmallInteger(), nullable=False),
        sa.Column("top_level", sa.SmallInteger(), nullable=False),
        sa.Column("escalated_community", sa.SmallInteger(), nullable=False),
        sa.Column("escalated_street", sa.SmallInteger(), nullable=False),
        sa.Column("escalated_county", sa.SmallInteger(), nullable=False),
        sa.Column("handling_hours", sa.Float(), nullable=True),
        sa.Column("handling_days", sa.Float(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
    )
    _backfill()


def _backfill() -> None:
    from sqlalchemy import select

    from gridflow.categories.store import category_from
    from gridflow.stats.upkeep import backfill
    from gridflow.workflow.calendar import WorkCalendar

    conn = op.get_bind()
    versions = sa.table(
        "category_version",
        *(sa.column(n) for n in ("code", "version", "name", "name_en", "kind", "duty", "filing_limit", "filing_unit")),
        *(
            sa.column(n)
            for n in ("verification_limit", "verification_unit", "photo_required_on_verification", "active")
        ),
        *(
            sa.column(f"{kind}_{lvl}")
            for kind in ("limit", "unit")
            for lvl in ("community", "street", "county", "city")
        ),
    )
    categories = {(r.code, r.version): category_from(r) for r in conn.execute(select(versions))}
    overrides = sa.table("calendar_override", sa.column("day"), sa.column("kind"))
    calendar = WorkCalendar(
        overrides={day: kind for day, kind in conn.execute(select(overrides.c.day, overrides.c.kind))}
    )
    backfill(conn, categories, calendar)


def downgrade() -> None:
    op.drop_table("case_facts")
    op.drop_column("follow_up", "satisfied")
