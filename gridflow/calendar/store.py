"""Reading the working calendar: the calendar deadlines are computed with, a year as the office sees
it, the years it has confirmed.

Deadlines use the office's overrides first, then the `holidays` package.  The overrides are read from
the database whenever they may have changed: every change raises the `calendar` revision in the same
transaction, every unit of work that computes a deadline reads that revision (the report in the same
round trip as its place), and this process keeps the calendar it built only for the revision it was
built from (`Database.memo`).  So every worker computes with the calendar as stored, and reads the
overrides again only after a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, ScalarSelect, select
from sqlalchemy.orm import Session

from gridflow.db import Database
from gridflow.models import CalendarOverride, CalendarYear, DataRevision
from gridflow.schemas.calendar import CalendarYearView, OverrideView
from gridflow.workflow.calendar import WorkCalendar

REVISION = "calendar"  # the data_revision row every change to the overrides raises
OfficeHours = Sequence[tuple[int, int]]


def revision_query() -> ScalarSelect:
    """The calendar's revision, as a column another statement can carry (the report's look-up does:
    no statement of its own); NULL until the first change."""
    return select(DataRevision.value).where(DataRevision.name == REVISION).scalar_subquery()


def calendar_at(conn: Connection, db: Database, revision: int | None, office_hours: OfficeHours) -> WorkCalendar:
    """The working calendar of `revision` (read with `revision_query` in the same unit of work; None:
    never changed): the one this process built for it, or built now from the stored overrides."""
    revision = revision or 0
    hours = tuple((h, m) for h, m in office_hours)
    kept = db.memo.get("calendar")
    if kept is not None and kept[0] == revision and kept[1] == hours:
        calendar: WorkCalendar = kept[2]
        return calendar
    # Read after the revision: these overrides are at least as new as it (a change committed between
    # the two only makes the next unit of work read them once more).
    overrides = {day: kind for day, kind in conn.execute(select(CalendarOverride.day, CalendarOverride.kind))}
    calendar = WorkCalendar(hours, overrides)
    db.memo["calendar"] = (revision, hours, calendar)
    return calendar


def current_calendar(s: Session, db: Database, office_hours: OfficeHours) -> WorkCalendar:
    """The working calendar as stored now (one small read; the overrides only after a change)."""
    conn = s.connection()
    return calendar_at(conn, db, conn.execute(select(revision_query())).scalar(), office_hours)


def calendar_year(db: Database, year: int) -> CalendarYearView:
    """A year as the office keeps it (its own unit of work)."""
    with db.session() as s:
        return year_view(s, year)


def year_view(s: Session, year: int) -> CalendarYearView:
    """A year as the office keeps it: its overrides, by date, and whether it has been confirmed."""
    overrides = s.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        .order_by(CalendarOverride.day)
    )
    confirmed = s.get(CalendarYear, year)
    return CalendarYearView(
        year=year,
        confirmed=confirmed is not None,
        confirmed_at=confirmed.confirmed_at if confirmed else None,
        confirmed_by=confirmed.confirmed_by if confirmed else None,
        confirmed_note=confirmed.note if confirmed else None,
        overrides=[OverrideView(date=o.day, kind=o.kind, name=o.name) for o in overrides],
    )


def is_confirmed(conn: Connection | Session, year: int) -> bool:
    return conn.execute(select(CalendarYear.year).where(CalendarYear.year == year)).first() is not None
