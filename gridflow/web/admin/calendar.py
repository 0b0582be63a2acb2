"""The working calendar (/admin/calendar/<year>): the year's holidays and 调休 working days entered
by the office (overrides), adding and removing one, importing a CSV file, confirming the year.
`calendar.changes`, as the API and `gridflow calendar …`: audited, and deadlines computed afterwards
use it at once."""

from __future__ import annotations

from datetime import UTC, date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from gridflow.calendar import changes, store
from gridflow.calendar.csvfile import BadLines
from gridflow.clock import CST, utcnow
from gridflow.db import get_db
from gridflow.errors import N_, Invalid
from gridflow.schemas.calendar import FIRST_YEAR, LAST_YEAR, OverrideInput
from gridflow.schemas.parse import parse_data
from gridflow.web import bp, nav
from gridflow.web.auth import page_caller, role_required
from gridflow.web.forms import Form, translated
from gridflow.web.labels import label
from gridflow.workflow.calendar import OVERRIDE_KINDS
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_calendar_now",
    _l("Working calendar"),
    roles=(),
    description=_l("Holidays and 调休 working days of each year; confirm a year once checked"),
)
LABELS = {
    "date": _l("Date"),
    "kind": _l("Kind of day"),
    "name": _l("Name of the day"),
    "note": _l("Checked against"),
    "csv": _l("CSV file"),
    "year": _l("Year"),
}
YEAR = f"int(min={FIRST_YEAR}, max={LAST_YEAR})"


def kind_options():
    return [(kind, label(kind, "day")) for kind in OVERRIDE_KINDS]


@bp.get("/admin/calendar")
@role_required(ADMIN)
def admin_calendar_now():
    """This year's calendar; from December next year's (the one to enter and confirm now)."""
    local = utcnow().replace(tzinfo=UTC).astimezone(CST).date()
    return redirect(url_for("web.admin_calendar", year=local.year + (1 if local.month == 12 else 0)))


def _page(
    year: int,
    add: Form | None = None,
    confirm: Form | None = None,
    csv: Form | None = None,
    remove: Form | None = None,
    bad_lines: list | None = None,
):
    view = store.calendar_year(get_db(), year)
    forms = [f for f in (add, confirm, csv, remove) if f is not None]
    return render_template(
        "admin/calendar.html",
        view=view,
        add=add or Form({"date": f"{year}-01-01"}, LABELS),
        confirm=confirm or Form(labels=LABELS),
        csv=csv or Form(labels=LABELS),
        remove=remove or Form(labels=LABELS),
        kind_options=kind_options(),
        bad_lines=bad_lines or [],
        first=FIRST_YEAR,
        last=LAST_YEAR,
    ), max((f.status for f in forms), default=200)


@bp.get(f"/admin/calendar/<{YEAR}:year>")
@role_required(ADMIN)
def admin_calendar(year: int):
    return _page(year)


@bp.post(f"/admin/calendar/<{YEAR}:year>/overrides")
@role_required(ADMIN)
def admin_calendar_add(year: int):
    form = Form(request.form, LABELS)
    with form.catching():
        data = {k: request.form.get(k, "") for k in ("date", "kind", "name")}
        override = parse_data(OverrideInput, data, strict=False)
        if override.date.year != year:
            raise Invalid(N_("the date must lie in %(year)d"), field="date", params={"year": year})
        changes.set_override(get_db(), page_caller(), override)
        flash(gettext("%(day)s is entered.", day=override.date.isoformat()), "success")
        return redirect(url_for("web.admin_calendar", year=year))
    return _page(year, add=form)


@bp.post(f"/admin/calendar/<{YEAR}:year>/overrides/<day>/remove")
@role_required(ADMIN)
def admin_calendar_remove(year: int, day: str):
    form = Form(request.form, LABELS)
    with form.catching():
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise Invalid(N_("must be a date (YYYY-MM-DD)"), field="date") from None
        changes.remove_override(get_db(), page_caller(), when)
        flash(gettext("%(day)s is taken back: the public holiday calendar decides it again.", day=day), "success")
        return redirect(url_for("web.admin_calendar", year=year))
    return _page(year, remove=form)


@bp.post(f"/admin/calendar/<{YEAR}:year>/import")
@role_required(ADMIN)
def admin_calendar_import(year: int):
    form = Form(request.form, LABELS)
    lines: list[tuple[int, str]] = []  # each bad line's number and its problem, in the page's language
    with form.catching():
        try:
            done = changes.import_overrides(get_db(), page_caller(), request.form.get("csv", ""))
        except BadLines as exc:
            lines = [(line, translated(problem, LABELS)) for line, problem in exc.problems]
            raise
        flash(ngettext("%(num)d day imported.", "%(num)d days imported.", done.imported), "success")
        return redirect(url_for("web.admin_calendar", year=year))
    return _page(year, csv=form, bad_lines=lines)


@bp.post(f"/admin/calendar/<{YEAR}:year>/confirm")
@role_required(ADMIN)
def admin_calendar_confirm(year: int):
    form = Form(request.form, LABELS)
    with form.catching():
        changes.confirm_year(get_db(), page_caller(), year, request.form.get("note") or None)
        flash(gettext("%(year)d is confirmed.", year=year), "success")
        return redirect(url_for("web.admin_calendar", year=year))
    return _page(year, confirm=form)
