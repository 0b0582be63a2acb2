"""Changing the working calendar (admins): overrides one by one or from a CSV file, confirming a year.

Each use case is one transaction that also raises the calendar's revision (so every worker reads the
overrides again) and records the change (`gridflow.changelog`).  Deadlines already set stay as they
are: a change applies to the deadlines computed after it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridflow.audit.log import Caller
from gridflow.calendar.csvfile import parse_overrides
from gridflow.calendar.store import REVISION, year_view
from gridflow.changelog import record_change
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import N_, Invalid, NotFound
from gridflow.models import CalendarOverride, CalendarYear, DataRevision
from gridflow.people.access import require_admin
from gridflow.schemas.calendar import FIRST_YEAR, LAST_YEAR, CalendarImported, CalendarYearView, OverrideInput
from gridflow.workflow.rules import Actor


def _insert(s: Session):
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


def _raise_revision(s: Session) -> None:
    """In the transaction of the change: every process's kept calendar is out of date from its commit."""
    stmt = _insert(s)(DataRevision).values(name=REVISION, value=1)
    s.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": DataRevision.value + 1}))


def _put(s: Session, actor: Actor, override: OverrideInput, now: datetime) -> None:
    row = s.get(CalendarOverride, override.date)
    if row is None:
        row = CalendarOverride(day=override.date)
        s.add(row)
    row.kind, row.name = override.kind, override.name
    row.changed_at, row.changed_by_id, row.changed_by = now, actor.id, actor.name


def set_override(db: Database, caller: Caller, override: OverrideInput) -> CalendarYearView:
    """Declare a day a holiday or a working day (replacing what was declared for it)."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        _put(s, caller.actor, override, utcnow())
        _raise_revision(s)
        record_change(s, caller, f"calendar.{override.kind}", override.date.isoformat(), name=override.name)
        s.flush()
        return year_view(s, override.date.year)


def remove_override(db: Database, caller: Caller, day: date) -> CalendarYearView:
    """Take back what was declared for a day (the `holidays` package decides it again); 404 if nothing was."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        row = s.get(CalendarOverride, day)
        if row is None:
            raise NotFound(N_("no override on %(day)s"), field="date", params={"day": day.isoformat()})
        s.delete(row)
        _raise_revision(s)
        record_change(s, caller, "calendar.remove", day.isoformat())
        return year_view(s, day.year)


def import_overrides(db: Database, caller: Caller, text: str) -> CalendarImported:
    """Every override of a CSV file (see `csvfile`), all or none: a file with a bad line stores nothing."""
    require_admin(caller.actor)
    overrides = parse_overrides(text)
    now = utcnow()
    with db.session(write=True) as s:
        for override in overrides:
            _put(s, caller.actor, override, now)
        _raise_revision(s)
        years = sorted({o.date.year for o in overrides})
        record_change(s, caller, "calendar.import", ",".join(map(str, years)), overrides=len(overrides))
        s.flush()
        return CalendarImported(imported=len(overrides), years=[year_view(s, y) for y in years])


def confirm_year(db: Database, caller: Caller, year: int, note: str | None = None) -> CalendarYearView:
    """Mark a year's calendar as checked against the State Council's announcement (the warnings stop).
    Confirming again keeps the first confirmation."""
    require_admin(caller.actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(
            N_("year must lie in %(first)d to %(last)d"), field="year", params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    values = {
        "year": year,
        "confirmed_at": utcnow(),
        "confirmed_by_id": caller.actor.id,
        "confirmed_by": caller.name,
        "note": note,
    }
    with db.session(write=True) as s:
        stmt = _insert(s)(CalendarYear).values(values).on_conflict_do_nothing(index_elements=["year"])
        if cast(CursorResult, s.execute(stmt)).rowcount:  # inserted: not confirmed before
            record_change(s, caller, "calendar.confirm", str(year), note=note)
        return year_view(s, year)
