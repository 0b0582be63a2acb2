"""Commands for the spatial model: imports, coverage, locate, export, the demo city."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.exc import OperationalError

from geo.crs import CRS_NAMES
from geo.features import InvalidFeatures
from gridflow.cli import PROGRESS_MIN, _ProgressList, cli, fail, print_json, progress
from gridflow.db import get_db
from gridflow.errors import GridflowError
from gridflow.places import lookup as places
from gridflow.places import uploads
from gridflow.places.gridcheck import OverlappingGrids
from gridflow.schemas.parse import parse_data
from gridflow.schemas.places import LocateQuery


def _load_json(path: str) -> tuple[object, str]:
    """The file's JSON and the SHA-256 of its bytes (for the audit log)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        return json.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")
        raise  # unreachable: fail() exits


def _run_import(path: str, crs: str, kind: str, allow_overlaps: bool = False) -> None:
    from gridflow.cli import console_caller

    data, sha256 = _load_json(path)
    db = get_db()
    source = {"name": Path(path).name, "path": path, "sha256": sha256}
    try:
        records = uploads.parse(kind, data, crs)
        steps_bar = (lambda steps: _ProgressList(list(steps), kind)) if len(records) >= PROGRESS_MIN else None
        summary = uploads.run_import(
            db,
            console_caller(),
            kind,
            records,
            source,
            tolerance_m2=current_app.config["COVERAGE_TOLERANCE_M2"],
            allow_overlaps=allow_overlaps,
            progress=progress(kind),
            steps_bar=steps_bar,
        )
    except OperationalError as exc:
        if db.is_postgres or "locked" not in str(exc.orig):
            raise
        fail(
            f"{path}: nothing imported; the database stayed busy with other writes for "
            f"{current_app.config['SQLITE_BUSY_TIMEOUT_S']:g} s: try again (a server under load: PostGIS, see README)"
        )
    except InvalidFeatures as exc:
        click.echo(f"Error: {path}: nothing imported; {len(exc.problems)} problem(s):", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(1)
    except OverlappingGrids as exc:
        problems = exc.check.problems()
        click.echo(
            f"Error: {path}: nothing imported; {len(problems)} overlap(s) (--allow-overlaps to import anyway):",
            err=True,
        )
        for line in problems:
            click.echo(f"  {line}", err=True)
        for line in exc.check.warnings():
            click.echo(f"  warning: {line}", err=True)
        sys.exit(1)
    except GridflowError as exc:
        fail(exc.message)
    for line in summary.lines():
        click.echo(line)


crs_option = click.option(
    "--crs",
    type=click.Choice(CRS_NAMES),
    default="wgs84",
    show_default=True,
    help="datum of the file's coordinates (web maps: gcj02; Baidu: bd09; GPS: wgs84)",
)


IMPORTS = {  # command: help (grids: below, they take options of their own)
    "divisions": "Import divisions (properties: code, name, level, parent_code).",
    "entities": "Import entities (properties: kind, ref, name, address?, households?, residents?).",
}


def _import_command(what: str, help_text: str) -> None:
    @cli.command(f"import-{what}", help=help_text)
    @click.argument("file", type=click.Path(dir_okay=False))
    @crs_option
    def command(file: str, crs: str) -> None:
        _run_import(file, crs, what)


for _what, _help in IMPORTS.items():
    _import_command(_what, _help)


@cli.command("import-grids")
@click.argument("file", type=click.Path(dir_okay=False))
@crs_option
@click.option("--allow-overlaps", is_flag=True, help="import grids that overlap (or leave their community) anyway")
def import_grids_cmd(file: str, crs: str, allow_overlaps: bool) -> None:
    """Import grids (properties: code, name, kind?, worker?); entities are reassigned.

    Grids must tile their community: overlaps with each other or with stored grids, and parts outside
    the community, refuse the import (each named, with its area); gaps are warnings."""
    _run_import(file, crs, "grids", allow_overlaps)


@cli.command("reassign")
@click.option("--dry-run", is_flag=True, help="report what would change, store nothing")
def reassign_cmd(dry_run: bool) -> None:
    """Assign every entity to its grid again and split every road again; report what moved.

    Run it once after an upgrade that changes the assignment rules (see README: Assignment rules)."""
    from gridflow.places.assignment import reassign_all

    with get_db().session() as session:
        report = reassign_all(session)
        if dry_run:
            session.rollback()
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing stored")


@cli.command("coverage")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--tolerance", type=float, default=None, help="ignore findings below this many m² (default from config)")
@click.option(
    "--children",
    type=click.Choice(["direct", "grids"]),
    default="direct",
    show_default=True,
    help="direct: child divisions (grids for a community); grids: every grid below",
)
def coverage_cmd(code: str, as_json: bool, tolerance: float | None, children: str) -> None:
    """Check that the children of division CODE tile it: gaps, overlaps, parts outside."""
    from flask import current_app

    tol = tolerance if tolerance is not None else current_app.config["COVERAGE_TOLERANCE_M2"]
    try:
        with get_db().session() as session:
            report = places.coverage(session, code, tol, children)
            ownerless = places.grids_without_owner(session, code)
    except GridflowError as exc:
        fail(exc.message)
    if as_json:
        print_json(report.to_dict() | {"grids_without_owner": ownerless})
    else:
        click.echo(
            f"{code}: {'valid' if report.valid else 'NOT valid'} — {report.children} children, "
            f"area {report.area_m2:,.0f} m², covered {report.covered_m2:,.0f} m²"
        )
        for gap in report.gaps:
            click.echo(f"  gap of {gap.area_m2:,.1f} m²")
        for o in report.overlaps:
            click.echo(f"  overlap {o.children[0]} / {o.children[1]}: {o.area_m2:,.1f} m²")
        for out in report.outside:
            click.echo(f"  {out.child} lies {out.area_m2:,.1f} m² outside")
        for inv in report.invalid:
            click.echo(f"  {inv.child}: invalid geometry ({inv.reason})")
        if ownerless:
            click.echo(f"  {len(ownerless)} grid(s) without an owning worker: {', '.join(ownerless[:20])}")
    if not report.valid:
        sys.exit(3)


@cli.command("locate")
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@click.option("--json", "as_json", is_flag=True)
def locate_cmd(lon: float, lat: float, as_json: bool) -> None:
    """Which divisions, grid and worker are responsible for LON LAT (WGS-84)."""
    try:
        point = parse_data(LocateQuery, {"lon": lon, "lat": lat})
        with get_db().lookup() as conn:
            found = places.locate(conn, point.lon, point.lat).model_dump()
    except GridflowError as exc:
        fail(exc.message)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        click.echo(f"{key:>9}: " + ("-" if value is None else f"{value['code']} {value['name']}"))


@cli.command("export")
@click.argument("what", type=click.Choice(["divisions", "grids", "entities"]))
@click.option("--division", "division_code", help="only what lies under this division")
@click.option(
    "--whole-roads", is_flag=True, help="roads as whole lines (re-importable) instead of one feature per stretch"
)
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
        fail(exc.message)


@cli.command("demo")
@click.option("--scale", type=click.Choice(["small", "full"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--if-empty", is_flag=True, help="do nothing if divisions are already loaded")
def demo_cmd(scale: str, seed: int, if_empty: bool) -> None:
    """Build the demo city of Puyang (real city and county boundaries, generated below)."""
    from gridflow import demo

    with get_db().session() as session:
        if if_empty and demo.has_data(session):
            click.echo("demo: divisions already loaded, nothing to build")
        else:
            for line in demo.build(session, scale=scale, seed=seed, progress=progress):
                click.echo(line)
        for line in demo.demo_users(session):
            click.echo(line)


@cli.command("demo-users")
def demo_users_cmd() -> None:
    """Create (if missing) and print the demo accounts."""
    from gridflow import demo

    with get_db().session() as session:
        for line in demo.demo_users(session):
            click.echo(line)
