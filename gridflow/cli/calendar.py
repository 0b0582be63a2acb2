"""`gridflow calendar …`: the working calendar's overrides (holidays, 调休 working days) and confirmed
years.  The same services as the admin API, as an admin named after the login that runs them."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from gridflow.calendar import changes as calendar_changes
from gridflow.calendar import store as calendar_store
from gridflow.calendar.csvfile import decode
from gridflow.cli import cli, console_caller
from gridflow.cli import run_service as _run
from gridflow.db import get_db
from gridflow.schemas.calendar import FIRST_YEAR, LAST_YEAR, CalendarYearView, ConfirmInput, OverrideInput
from gridflow.schemas.parse import parse_data

calendar_cli = AppGroup("calendar", help="The working calendar: holidays and 调休 working days, confirmed years.")
cli.add_command(calendar_cli)
YEAR = click.IntRange(FIRST_YEAR, LAST_YEAR)


@calendar_cli.command("show")
@click.argument("year", type=YEAR)
def calendar_show_cmd(year: int) -> None:
    """The year's overrides, one a line (`YYYY-MM-DD holiday|workday NAME`), then whether it is confirmed."""
    view = _run(lambda: calendar_store.calendar_year(get_db(), year))
    for o in view.overrides:
        click.echo(f"{o.date.isoformat()} {o.kind}{' ' + o.name if o.name else ''}")
    click.echo(_confirmed(view))


def _confirmed(view: CalendarYearView) -> str:
    if view.confirmed_at is None:
        return f"{view.year} confirmed: no"
    note = f": {view.confirmed_note}" if view.confirmed_note else ""
    return (
        f"{view.year} confirmed: yes ({view.confirmed_at.isoformat(timespec='seconds')} by {view.confirmed_by}{note})"
    )


def _override(day: str, kind: str, name: str | None) -> None:
    inp = _run(lambda: parse_data(OverrideInput, {"date": day, "kind": kind, "name": name}, strict=False))
    _run(lambda: calendar_changes.set_override(get_db(), console_caller(), inp))
    click.echo(f"{inp.date.isoformat()} {inp.kind}{' ' + inp.name if inp.name else ''}")


@calendar_cli.command("add-holiday")
@click.argument("day", metavar="DATE")
@click.argument("name", required=False)
def calendar_add_holiday_cmd(day: str, name: str | None) -> None:
    """Declare DATE (YYYY-MM-DD) a holiday, whatever the holidays package says."""
    _override(day, "holiday", name)


@calendar_cli.command("add-workday")
@click.argument("day", metavar="DATE")
@click.argument("name", required=False)
def calendar_add_workday_cmd(day: str, name: str | None) -> None:
    """Declare DATE (YYYY-MM-DD) a working day (调休), whatever the holidays package says."""
    _override(day, "workday", name)


@calendar_cli.command("remove")
@click.argument("day", metavar="DATE")
def calendar_remove_cmd(day: str) -> None:
    """Take back what was declared for DATE (the holidays package decides it again)."""
    inp = _run(lambda: parse_data(OverrideInput, {"date": day, "kind": "holiday"}, strict=False))
    _run(lambda: calendar_changes.remove_override(get_db(), console_caller(), inp.date))
    click.echo(f"{inp.date.isoformat()}: override removed")


@calendar_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import_cmd(path: Path) -> None:
    """Overrides from a CSV file: `date,kind,name` a line (holiday|workday, or 休|班; the name optional).
    A file with any bad line imports nothing; every bad line is named."""
    text = _run(lambda: decode(path.read_bytes()))
    done = _run(lambda: calendar_changes.import_overrides(get_db(), console_caller(), text))
    years = ", ".join(f"{y.year} ({len(y.overrides)} overrides)" for y in done.years)
    click.echo(f"{done.imported} override(s) imported; now {years}")


@calendar_cli.command("confirm")
@click.argument("year", type=YEAR)
@click.option("--note", help="what it was checked against (the State Council's notice)")
def calendar_confirm_cmd(year: int, note: str | None) -> None:
    """Mark YEAR's calendar as checked against the State Council's announcement (the reminders stop)."""
    inp = _run(lambda: parse_data(ConfirmInput, {"note": note}, strict=False))
    click.echo(_confirmed(_run(lambda: calendar_changes.confirm_year(get_db(), console_caller(), year, inp.note))))
