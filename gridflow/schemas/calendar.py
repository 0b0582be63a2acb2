"""The working calendar: an office's overrides (holidays, 调休 working days) and confirmed years."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from gridflow.errors import N_
from gridflow.schemas.common import Input, LocalTime, Name, Output, Text, optional
from gridflow.schemas.errors import Problem
from gridflow.workflow.calendar import OVERRIDE_KINDS

FIRST_YEAR, LAST_YEAR = 2000, 2099  # a year outside these is a typing error
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value):
    """Days are written YYYY-MM-DD (nothing else that would parse: no timestamps, no 20270101)."""
    if not isinstance(value, str):
        return value
    if not _ISO_DAY.match(value.strip()):
        raise Problem(N_("must be a date written YYYY-MM-DD"))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Problem(N_("is not a day of the calendar")) from None


def _in_years(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise Problem(N_("must lie in the years %(first)d to %(last)d"), first=FIRST_YEAR, last=LAST_YEAR)
    return value


Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_in_years)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
OverrideKind = Literal[OVERRIDE_KINDS]


class OverrideInput(Input):
    """A day declared a holiday (off) or a working day (调休), whatever the `holidays` package says; it
    replaces an override of the same day."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {"date": "2027-02-11", "kind": "holiday", "name": "春节"},
                {"date": "2027-02-20", "kind": "workday", "name": "春节调休"},
            ]
        }
    }

    date: Day
    kind: OverrideKind
    name: optional(Name) = None


class ConfirmInput(Input):
    """What the year was checked against (the State Council's notice, say)."""

    model_config = Input.model_config | {"json_schema_extra": {"examples": [{"note": "国务院办公厅通知 2026-11-12"}]}}

    note: optional(Text) = None


class CalendarImportInput(Input):
    """A CSV file's text: one override a line, `date,kind,name` (YYYY-MM-DD; holiday|workday, or 休|班;
    an optional name); a first line `date,kind,name` is a header, blank lines and lines starting with
    # are skipped.  Any bad line refuses the whole file (each named with its line number)."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [{"csv": "date,kind,name\n2027-02-11,holiday,春节\n2027-02-20,workday,春节调休\n"}]
        }
    }

    csv: Annotated[str, Field(min_length=1, max_length=200_000)]


class OverrideView(Output):
    date: date
    kind: str
    name: str | None


class CalendarYearView(Output):
    year: int
    confirmed: bool  # the office has checked the year against the State Council's announcement
    confirmed_at: LocalTime | None
    confirmed_by: str | None
    confirmed_note: str | None
    overrides: list[OverrideView]


class CalendarImported(Output):
    imported: int
    years: list[CalendarYearView]  # every year the file touched, as it is now
