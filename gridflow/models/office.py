"""What the office keeps that the workflow reads: the categories (versioned) and the working
calendar's overrides (holidays and 调休 working days) with the years it has confirmed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base

# All datetimes are naive UTC.


class CategoryVersion(Base):
    """One version of a category.  Rows are never changed: an edit inserts the next version, and the
    current one is the highest (two edits at once cannot both take it: the key refuses the second).
    A case keeps the version it was filed under (`case_file.category_version`)."""

    __tablename__ = "category_version"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # incident|dispute
    duty: Mapped[str] = mapped_column(String(16))  # general|stability|mediation|safety|order
    # The time limit at each level (amount, unit: emergency_hours|working_hours|working_days).
    limit_community: Mapped[float] = mapped_column(Float)
    unit_community: Mapped[str] = mapped_column(String(16))
    limit_street: Mapped[float] = mapped_column(Float)
    unit_street: Mapped[str] = mapped_column(String(16))
    limit_county: Mapped[float] = mapped_column(Float)
    unit_county: Mapped[str] = mapped_column(String(16))
    limit_city: Mapped[float] = mapped_column(Float)
    unit_city: Mapped[str] = mapped_column(String(16))
    # How long a reported case may wait for its grid worker to file it, and a resolved one for his
    # verification on site; whether verifying needs a photo.
    filing_limit: Mapped[float] = mapped_column(Float)
    filing_unit: Mapped[str] = mapped_column(String(16))
    verification_limit: Mapped[float] = mapped_column(Float)
    verification_unit: Mapped[str] = mapped_column(String(16))
    photo_required_on_verification: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)  # a disabled category takes no new reports
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_by: Mapped[str] = mapped_column(String(100))  # the user's name, or "cli:<account>" for commands
    note: Mapped[str | None] = mapped_column(Text)  # why


class CalendarOverride(Base):
    """A day the office declares a holiday or a (调休) working day, whatever the `holidays` package says."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday|workday
    name: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_by: Mapped[str] = mapped_column(String(100))


class CalendarYear(Base):
    """A year whose holidays and working days the office has checked against the State Council's
    announcement (a row: confirmed)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    confirmed_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)  # what it was checked against (the notice's number)


class DataRevision(Base):
    """A counter per kind of reference data, raised in the same transaction as every change to it:
    a process keeps what it derived from that data (the working calendar) only while the counter it
    read stays the same, so no two workers can go on using different calendars."""

    __tablename__ = "data_revision"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
