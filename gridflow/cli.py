"""Command line: `flask --app wsgi gridflow …`, also installed as the console script `gridflow`."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from geo.crs import CRS_NAMES
from geo.features import InvalidFeatures, parse_divisions, parse_entities, parse_grids
from gridflow.db import get_db
from gridflow.services import imports, places
from gridflow.services.errors import GridflowError

cli = AppGroup("gridflow", help="GridFlow: grids, divisions, entities, cases.")
PROGRESS_MIN = 500  # show a progress bar from this many features on


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _progress(label: str):
    def wrap(items):
        items = list(items)
        if len(items) < PROGRESS_MIN:
            return items
        return _ProgressList(items, label)
    return wrap


class _ProgressList:
    """Iterates like the list and draws a progress bar on stderr."""

    def __init__(self, items, label):
        self.items, self.label = items, label

    def __iter__(self):
        with click.progressbar(self.items, label=self.label, file=sys.stderr) as bar:
            yield from bar


def _load_json(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{path} is not valid JSON: {exc}")


def _run_import(path: str, crs: str, parse, service, label: str) -> None:
    data = _load_json(path)
    try:
        records = parse(data, crs)
        with get_db().session() as session:
            summary = service(session, records, _progress(label))
    except InvalidFeatures as exc:
        click.echo(f"Error: {path}: nothing imported; {len(exc.problems)} problem(s):", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    except GridflowError as exc:
        _fail(exc.message)
    for line in summary.lines():
        click.echo(line)


crs_option = click.option("--crs", type=click.Choice(CRS_NAMES), default="wgs84", show_default=True,
                          help="datum of the file's coordinates (web maps: gcj02; Baidu: bd09; GPS: wgs84)")


@cli.command("import-divisions")
@click.argument("file", type=click.Path(dir_okay=False))
@crs_option
def import_divisions_cmd(file: str, crs: str) -> None:
    """Import divisions (properties: code, name, level, parent_code)."""
    _run_import(file, crs, parse_divisions, imports.import_divisions, "divisions")


@cli.command("import-grids")
@click.argument("file", type=click.Path(dir_okay=False))
@crs_option
def import_grids_cmd(file: str, crs: str) -> None:
    """Import grids (properties: code, name, kind?, worker?); entities are reassigned."""
    _run_import(file, crs, parse_grids, imports.import_grids, "grids")


@cli.command("import-entities")
@click.argument("file", type=click.Path(dir_okay=False))
@crs_option
def import_entities_cmd(file: str, crs: str) -> None:
    """Import entities (properties: kind, ref, name, address?, households?, residents?)."""
    _run_import(file, crs, parse_entities, imports.import_entities, "entities")


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command("coverage")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--tolerance", type=float, default=None, help="ignore findings below this many m² (default from config)")
@click.option("--children", type=click.Choice(["direct", "grids"]), default="direct", show_default=True,
              help="direct: child divisions (grids for a community); grids: every grid below")
def coverage_cmd(code: str, as_json: bool, tolerance: float | None, children: str) -> None:
    """Check that the children of division CODE tile it: gaps, overlaps, parts outside."""
    from flask import current_app

    tol = tolerance if tolerance is not None else current_app.config["COVERAGE_TOLERANCE_M2"]
    try:
        with get_db().session() as session:
            report = places.coverage(session, code, tol, children)
    except GridflowError as exc:
        _fail(exc.message)
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(f"{code}: {'valid' if report.valid else 'NOT valid'} — {report.children} children, "
                   f"area {report.area_m2:,.0f} m², covered {report.covered_m2:,.0f} m²")
        for gap in report.gaps:
            click.echo(f"  gap of {gap.area_m2:,.1f} m²")
        for o in report.overlaps:
            click.echo(f"  overlap {o.children[0]} / {o.children[1]}: {o.area_m2:,.1f} m²")
        for o in report.outside:
            click.echo(f"  {o.child} lies {o.area_m2:,.1f} m² outside")
        for inv in report.invalid:
            click.echo(f"  {inv.child}: invalid geometry ({inv.reason})")
    if not report.valid:
        sys.exit(3)


@cli.command("locate")
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@click.option("--json", "as_json", is_flag=True)
def locate_cmd(lon: float, lat: float, as_json: bool) -> None:
    """Which divisions, grid and worker are responsible for LON LAT (WGS-84)."""
    try:
        with get_db().session() as session:
            found = places.locate(session, lon, lat)
    except GridflowError as exc:
        _fail(exc.message)
    if as_json:
        _print_json(found)
        return
    for key, value in found.items():
        click.echo(f"{key:>9}: " + ("-" if value is None else f"{value['code']} {value['name']}"))


@cli.command("export")
@click.argument("what", type=click.Choice(["divisions", "grids", "entities"]))
@click.option("--division", "division_code", help="only what lies under this division")
@click.option("--whole-roads", is_flag=True, help="roads as whole lines (re-importable) instead of one feature per stretch")
def export_cmd(what: str, division_code: str | None, whole_roads: bool) -> None:
    """GeoJSON FeatureCollection to stdout."""
    try:
        with get_db().session() as session:
            out = sys.stdout
            out.write('{"type": "FeatureCollection", "features": [\n')
            for i, feature in enumerate(places.export_features(session, what, division_code, not whole_roads)):
                out.write((",\n" if i else "") + json.dumps(feature, ensure_ascii=False))
            out.write("\n]}\n")
    except GridflowError as exc:
        _fail(exc.message)


@cli.command("demo")
@click.option("--scale", type=click.Choice(["small", "full"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--if-empty", is_flag=True, help="do nothing if divisions are already loaded")
def demo_cmd(scale: str, seed: int, if_empty: bool) -> None:
    """Build the demo city of Puyang (real city and county boundaries, generated below)."""
    from gridflow.services import demo

    with get_db().session() as session:
        if if_empty and demo.has_data(session):
            click.echo("demo: divisions already loaded, nothing to build")
        else:
            for line in demo.build(session, scale=scale, seed=seed, progress=_progress):
                click.echo(line)
        for line in demo.demo_users(session):
            click.echo(line)


@cli.command("demo-users")
def demo_users_cmd() -> None:
    """Create (if missing) and print the demo accounts."""
    from gridflow.services import demo

    with get_db().session() as session:
        for line in demo.demo_users(session):
            click.echo(line)


# -- users and the workflow ------------------------------------------------------------------
user_cli = AppGroup("user", help="Users and roles.")
cli.add_command(user_cli)


@user_cli.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["grid_worker", "mediator", "supervisor", "admin"]))
@click.option("--division", "division_code", help="mediators and supervisors act for this division and below")
@click.option("--grids", default="", help="grid codes, comma-separated: the grid worker becomes their owner")
@click.option("--password", help="default: a random one, printed")
@click.option("--display-name", help="full name shown in the timeline")
def user_add_cmd(name, role, division_code, grids, password, display_name) -> None:
    """Add a user NAME (or update it)."""
    from gridflow.services.users import add_user

    try:
        with get_db().session() as session:
            user, pw = add_user(session, name, role, division_code, [g for g in grids.split(",") if g],
                                password, display_name)
            click.echo(f"user {user.username} ({user.role}) saved; password: {pw}")
    except GridflowError as exc:
        _fail(exc.message)


@cli.command("workflow")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "table"]), default="mermaid", show_default=True)
def workflow_cmd(fmt: str) -> None:
    """Print the case workflow: a mermaid state diagram, or the table itself."""
    from gridflow.workflow import table

    if fmt == "mermaid":
        click.echo(table.diagram("mermaid"))
        return
    for rw in table.TABLE:
        level = {1: "up", -1: "down", 0: ""}[rw.level]
        click.echo(f"{rw.event:<13} {'|'.join(rw.source):<17} → {rw.dest or '(stays)':<9} {level:<5} "
                   f"{'/'.join(rw.who):<35} {', '.join(g.__name__ for g in rw.guards):<45} {', '.join(rw.needs)}")


@cli.command("sweep")
@click.option("--now", "now_text", help="ISO 8601 time to sweep as of (default: now; no offset = China time)")
def sweep_cmd(now_text: str | None) -> None:
    """Run one sweep: escalate overdue cases, flag overdue ones at city level."""
    from flask import current_app

    from gridflow.clock import parse_iso, utcnow
    from gridflow.services.policy import Policy
    from gridflow.services.sweep import sweep

    try:
        now = parse_iso(now_text) if now_text else utcnow()
    except ValueError:
        _fail(f"--now {now_text!r} is not an ISO 8601 time")
    click.echo(sweep(get_db(), now, Policy.from_config(current_app.config)).line())


@cli.command("verify")
@click.argument("case_id", type=int)
def verify_cmd(case_id: int) -> None:
    """Recompute a case's timeline hash chain."""
    from gridflow.services.casechain import verify

    try:
        ok, seq, reason = verify(get_db(), case_id)
    except GridflowError as exc:
        _fail(exc.message)
    if not ok:
        _fail(f"case {case_id}: timeline chain broken at event {seq}: {reason}")
    click.echo(f"case {case_id}: timeline chain valid")


@cli.command("scheduler")
def scheduler_cmd() -> None:
    """Run the one scheduler (periodic sweep) in the foreground."""
    from flask import current_app

    from gridflow import scheduler

    try:
        scheduler.run(current_app._get_current_object())
    except scheduler.AlreadyRunning as exc:
        _fail(str(exc))


def init_app(app: Flask) -> None:
    from gridflow.migrate import db_cli

    app.cli.add_command(cli)
    app.cli.add_command(db_cli)


def main() -> None:
    """Console script `gridflow …`: the same commands, with the app from the environment."""
    from gridflow import create_app

    app = create_app()
    with app.app_context():
        cli.main(prog_name="gridflow")
