"""How much of a case's time at its level is used, for the pages' time bars.

The share is counted in the level's own kind of time (working hours or days in office time,
emergency hours around the clock), as the warning at WARN_SHARE is: a bar at 80 % and the warning
mark agree.  Whether a case is in warning or overdue is the service's word (`warning`, `overdue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from gridflow.calendar.store import current_calendar
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import EMERGENCY_HOURS


@dataclass(frozen=True)
class TimeLeft:
    used: float  # share of the level's time used, 0..1 (capped)
    left: timedelta  # until the deadline (negative: overdue by)
    percent: int  # used, as a whole percentage for the bar's width


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def calendar() -> WorkCalendar:
    """The working calendar as the office keeps it (the offices' overrides before the holidays package)."""
    db = get_db()
    with db.session() as s:
        return current_calendar(s, db, current_app.config["OFFICE_HOURS"])


def time_left(case, now: datetime | None = None, cal: WorkCalendar | None = None) -> TimeLeft | None:
    """For a case read model with a deadline (active cases); None otherwise."""
    if case.deadline is None:
        return None
    now = now or utcnow()
    start, deadline = _naive(case.level_entered_at), _naive(case.deadline)
    if case.limit_unit == EMERGENCY_HOURS:
        total, used = (deadline - start).total_seconds(), (now - start).total_seconds()
    else:
        cal = cal or calendar()
        total, used = cal.office_seconds_between(start, deadline), cal.office_seconds_between(start, min(now, deadline))
        if now > deadline:
            used = total
    share = 1.0 if total <= 0 else min(1.0, max(0.0, used / total))
    return TimeLeft(share, deadline - now, round(share * 100))
