"""What the evaluation figures count, kept per case (`case_facts`) and added up for the settled cases
(`case_tally`, `case_hours`): written in the same transaction as the case's events
(`gridflow.stats.upkeep`, `gridflow.stats.tally`), so that a whole city's figures are a few thousand
kept rows plus the running cases, instead of a replay of every timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base

LIVE_SQL = text("state IN ('open', 'handling', 'resolved')")
HANDLED_SQL = text("handling_hour IS NOT NULL")
HOURS_INDEX = ("city_id", "county_id", "street_id", "community_id", "report_month", "level", "handling_hour")


class CaseFacts(Base):
    __tablename__ = "case_facts"
    __table_args__ = (
        # The running cases, counted when asked (`gridflow.stats.tally`); a community's cases (its
        # grids' figures); a month's reports (a period that starts or ends inside a month).
        Index("ix_case_facts_live", "state", postgresql_where=LIVE_SQL, sqlite_where=LIVE_SQL),
        Index("ix_case_facts_community", "community_id", "report_month"),
        Index("ix_case_facts_month", "report_month"),
        # The medians of a smaller area: its closed cases' handling hours, behind the divisions (an
        # index-only read).
        Index(
            "ix_case_facts_hours",
            *HOURS_INDEX,
            postgresql_where=HANDLED_SQL,
            sqlite_where=HANDLED_SQL,
        ),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True)
    reported_on: Mapped[date] = mapped_column(Date)  # China's date of the report
    report_month: Mapped[int] = mapped_column(Integer)  # YYYYMM of reported_on
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(8))
    duty: Mapped[str] = mapped_column(String(16))  # of the category version it was filed under
    grid_id: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int] = mapped_column(Integer)
    county_id: Mapped[int] = mapped_column(Integer)
    city_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int | None] = mapped_column(Integer)  # the grid's worker when it was reported
    state: Mapped[str] = mapped_column(String(10))  # as the case's, after its last event
    level: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[datetime | None] = mapped_column(DateTime)  # the case's current deadline
    filed_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_deadline: Mapped[datetime | None] = mapped_column(DateTime)  # the one set when it was filed
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Overdue at some event (active past its deadline, or flagged); overdue now is read from `deadline`.
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reworked: Mapped[bool] = mapped_column(Boolean, default=False)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    levels_reached: Mapped[int] = mapped_column(SmallInteger, default=0)  # bit i: LEVELS_BOTTOM_UP[i], once filed
    top_level: Mapped[int] = mapped_column(SmallInteger, default=0)  # index in LEVELS_BOTTOM_UP
    escalated_community: Mapped[int] = mapped_column(SmallInteger, default=0)  # escalations from each level
    escalated_street: Mapped[int] = mapped_column(SmallInteger, default=0)
    escalated_county: Mapped[int] = mapped_column(SmallInteger, default=0)
    handling_hours: Mapped[float | None] = mapped_column(Float)  # office hours from filing to closing
    handling_days: Mapped[float | None] = mapped_column(Float)  # the same in working days
    # The handling time to the nearest whole office hour: what the medians are of (counted per hour in
    # `case_hours`, so that a city's medians need no read of every closed case).
    handling_hour: Mapped[int | None] = mapped_column(Integer)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # the last follow-up visit that recorded it


class CaseTally(Base):
    """The counts of the cases whose figures are settled (`gridflow.stats.tally`), per community,
    report month, level and state: kept ±1 with every event that moves a case's facts."""

    __tablename__ = "case_tally"

    community_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_month: Mapped[int] = mapped_column(Integer, primary_key=True)  # YYYYMM
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer)
    county_id: Mapped[int] = mapped_column(Integer)
    city_id: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    filed: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    ever_overdue: Mapped[int] = mapped_column(Integer, default=0)
    reworked: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[int] = mapped_column(Integer, default=0)
    disputes_closed: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_told: Mapped[int] = mapped_column(Integer, default=0)
    hours_n: Mapped[int] = mapped_column(Integer, default=0)  # cases with a handling time
    hours_sum: Mapped[float] = mapped_column(Float, default=0.0)
    days_sum: Mapped[float] = mapped_column(Float, default=0.0)
    handled_community: Mapped[int] = mapped_column(Integer, default=0)
    handled_street: Mapped[int] = mapped_column(Integer, default=0)
    handled_county: Mapped[int] = mapped_column(Integer, default=0)
    handled_city: Mapped[int] = mapped_column(Integer, default=0)
    escalated_community: Mapped[int] = mapped_column(Integer, default=0)
    escalated_street: Mapped[int] = mapped_column(Integer, default=0)
    escalated_county: Mapped[int] = mapped_column(Integer, default=0)
    settled_community: Mapped[int] = mapped_column(Integer, default=0)
    settled_street: Mapped[int] = mapped_column(Integer, default=0)
    settled_county: Mapped[int] = mapped_column(Integer, default=0)
    settled_city: Mapped[int] = mapped_column(Integer, default=0)


class CaseHours(Base):
    """How many settled cases took each whole number of office hours, per county, report month and
    level (`gridflow.stats.tally`): the medians of a city's figures, kept ±1 like the tally."""

    __tablename__ = "case_hours"

    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_month: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer, default=0)
