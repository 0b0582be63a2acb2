"""The working calendar over HTTP: a year's overrides, and the admin's changes."""

from __future__ import annotations

from datetime import date

from gridflow.api import bp
from gridflow.api.auth import caller, login_required
from gridflow.api.spec import api_route
from gridflow.calendar import changes, store
from gridflow.db import get_db
from gridflow.errors import NotFound
from gridflow.schemas.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarImported,
    CalendarImportInput,
    CalendarYearView,
    ConfirmInput,
    OverrideInput,
)

YEAR = f"<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>"


@bp.get(f"/calendar/{YEAR}")
@login_required
@api_route(200, CalendarYearView, errors=(404,), tags=("calendar",))
def calendar_year(year: int):
    """A year's overrides (holidays and 调休 working days the office declared) and whether it is confirmed."""
    return store.calendar_year(get_db(), year)


@bp.post("/calendar/overrides")
@login_required
@api_route(200, CalendarYearView, body=OverrideInput, errors=(403,), tags=("calendar",))
def set_override(body: OverrideInput):
    """Declare a day a holiday or a working day (admins); answers with its year."""
    return changes.set_override(get_db(), caller(), body)


@bp.delete("/calendar/overrides/<day>")
@login_required
@api_route(200, CalendarYearView, errors=(403, 404), tags=("calendar",))
def remove_override(day: str):
    """Take back what was declared for a day (admins): the `holidays` package decides it again."""
    try:
        when = date.fromisoformat(day) if len(day) == 10 else None
    except ValueError:
        when = None
    if when is None:
        raise NotFound(f"no override on {day!r} (days are written YYYY-MM-DD)", field="date")
    return changes.remove_override(get_db(), caller(), when)


@bp.post("/calendar/import")
@login_required
@api_route(200, CalendarImported, body=CalendarImportInput, errors=(403,), tags=("calendar",))
def import_overrides(body: CalendarImportInput):
    """Overrides from a CSV file's text (admins), all or none: the bad lines are named (`lines`)."""
    return changes.import_overrides(get_db(), caller(), body.csv)


@bp.post(f"/calendar/{YEAR}/confirm")
@login_required
@api_route(200, CalendarYearView, body=ConfirmInput, errors=(403, 404), tags=("calendar",))
def confirm_year(year: int, body: ConfirmInput):
    """Mark a year as checked against the State Council's announcement (admins): the reminders stop.
    Confirming again keeps the first confirmation."""
    return changes.confirm_year(get_db(), caller(), year, body.note)
