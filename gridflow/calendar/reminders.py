"""The yearly reminder: the State Council announces next year's holidays and 调休 working days in
November, and no release of the `holidays` package knows them yet.  From 1 December (China time) until
the office confirms next year's calendar, `/healthz` lists a warning and the scheduler logs one a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from gridflow.calendar.store import is_confirmed
from gridflow.clock import local_date

FROM_MONTH, FROM_DAY = 12, 1


def year_to_confirm(now: datetime) -> int | None:
    """The year whose calendar should be confirmed by now (naive UTC): next year from 1 December."""
    today = local_date(now)
    return today.year + 1 if (today.month, today.day) >= (FROM_MONTH, FROM_DAY) else None


def calendar_warning(conn: Connection, now: datetime) -> str | None:
    """The warning to give now, or None (before December no statement is run at all)."""
    year = year_to_confirm(now)
    if year is None or is_confirmed(conn, year):
        return None
    return (
        f"the working calendar of {year} is not confirmed: enter its holidays and 调休 working days as "
        f"announced (gridflow calendar import FILE, add-holiday, add-workday), then `gridflow calendar "
        f"confirm {year}`; until then time limits in {year} count only what the holidays package knows"
    )
