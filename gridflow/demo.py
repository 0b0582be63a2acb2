"""Build the demo city into the database through the same imports users run."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import demo as generator
from geo.features import parse_divisions, parse_entities, parse_grids
from gridflow.models import Division, Grid, User
from gridflow.places import imports

DATA = resources.files("gridflow") / "data"


def has_data(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Division)) > 0


def puyang() -> tuple[tuple, list[tuple], list[tuple]]:
    """The shipped real data: city and counties (converted from GCJ-02 to WGS-84), streets list."""
    records = parse_divisions(json.loads((DATA / "divisions.geojson").read_text("utf-8")), crs="gcj02")
    city = next((r.code, r.name, r.geometry) for r in records if r.level == "city")
    counties = [(r.code, r.name, r.geometry) for r in records if r.level == "county"]
    with (DATA / "streets.csv").open(encoding="utf-8") as fh:
        streets = [(row["code"], row["name"], row["county_code"]) for row in csv.DictReader(fh)]
    return city, counties, streets


def build(
    session: Session, scale: str = "small", seed: int = 2026, progress: Callable[[str], Callable] | None = None
) -> Iterator[str]:
    """Generate the demo city and import it; yields summary lines."""
    started = time.perf_counter()
    city, counties, streets = puyang()
    demo = generator.generate(city, counties, streets, scale=scale, seed=seed)
    yield (
        f"demo ({scale}): generated {len(demo.divisions)} divisions, {len(demo.grids)} grids, "
        f"{len(demo.entities)} entities, {demo.households:,} households, {demo.residents:,} residents "
        f"in {time.perf_counter() - started:.1f} s"
    )
    steps = [
        ("divisions", parse_divisions, imports.import_divisions),
        ("grids", parse_grids, imports.import_grids),
        ("entities", parse_entities, imports.import_entities),
    ]
    for what, parse, service in steps:
        records = parse(demo.collection(what))
        summary = service(session, records, progress(what) if progress else (lambda x: x))
        yield from summary.lines()
    yield f"demo: done in {time.perf_counter() - started:.1f} s"


DEMO_PASSWORD = "gridflow-demo"  # meets the password rule (at least 10 characters, not the user name)
OLD_DEMO_PASSWORD = "demo1234"  # before the rule: demo accounts that still have it get the new one


def demo_users(session: Session) -> Iterator[str]:
    """Demo accounts for every role and level, inside the first street of 华龙区 (idempotent)."""
    from gridflow.people.users import add_user

    grid = session.scalars(select(Grid).where(Grid.worker_id.is_not(None)).order_by(Grid.code)).first()
    if grid is None:
        yield "demo users: no grids with workers loaded"
        return
    community = grid.community
    street, county = community.parent, community.parent.parent
    city = county.parent
    accounts = [
        ("admin", "admin", None, "系统管理员"),
        ("city.supervisor", "supervisor", city, "市级督办员"),
        ("city.mediator", "mediator", city, "市级调解员"),
        ("county.supervisor", "supervisor", county, "县区督办员"),
        ("county.mediator", "mediator", county, "县区调解员"),
        ("street.supervisor", "supervisor", street, "街道督办员"),
        ("street.mediator", "mediator", street, "街道调解员"),
        ("community.supervisor", "supervisor", community, "社区督办员"),
        ("community.mediator", "mediator", community, "社区调解员"),
    ]
    yield f"demo accounts (password {DEMO_PASSWORD} for all):"
    for username, role, division, name in accounts:
        if not _renew(session, username):
            add_user(session, username, role, division.code if division else None, None, DEMO_PASSWORD, name)
        where = f"{division.name} {division.code}" if division else "everywhere"
        yield f"  {username:<22} {role:<12} {where}"
    # The grid worker is the demo worker who already owns the first grid (and maybe a dedicated one).
    if not _renew(session, "grid"):
        add_user(session, "grid", "grid_worker", None, None, DEMO_PASSWORD, staff_no=grid.worker.staff_no)
    owned = session.scalars(select(Grid.code).where(Grid.worker_id == grid.worker_id).order_by(Grid.code)).all()
    yield f"  {'grid':<22} {'grid_worker':<12} {grid.worker.name}, grids {', '.join(owned)}"


def _renew(session: Session, username: str) -> bool:
    """Whether the demo account exists; one made by an older demo gets the password printed now."""
    from gridflow.people.passwords import hash_password, password_matches

    user = session.scalars(select(User).where(User.username == username)).first()
    if user is not None and password_matches(user.password_hash, OLD_DEMO_PASSWORD):
        user.password_hash = hash_password(DEMO_PASSWORD)
        user.token_version += 1
    return user is not None
