"""What the evaluation figures count, kept per case (`case_facts`): written in the same transaction
as the case's events (`gridflow.stats.upkeep`), so that the figures of a whole city are one scan of a
narrow table instead of a replay of every timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base


class CaseFacts(Base):
    __tablename__ = "case_facts"

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
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # the last follow-up visit that recorded it
