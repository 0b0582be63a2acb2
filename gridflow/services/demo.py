"""Build the demo city into the database through the same imports users run."""
from __future__ import annotations

import csv
import json
import time
from importlib import resources
from typing import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import demo as generator
from geo.features import parse_divisions, parse_entities, parse_grids
from gridflow.models import Division
from gridflow.services import imports

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


def build(session: Session, scale: str = "small", seed: int = 2026,
          progress: Callable[[str], Callable] | None = None) -> Iterator[str]:
    """Generate the demo city and import it; yields summary lines."""
    started = time.perf_counter()
    city, counties, streets = puyang()
    demo = generator.generate(city, counties, streets, scale=scale, seed=seed)
    yield (f"demo ({scale}): generated {len(demo.divisions)} divisions, {len(demo.grids)} grids, "
           f"{len(demo.entities)} entities, {demo.households:,} households, {demo.residents:,} residents "
           f"in {time.perf_counter() - started:.1f} s")
    steps = [("divisions", parse_divisions, imports.import_divisions),
             ("grids", parse_grids, imports.import_grids),
             ("entities", parse_entities, imports.import_entities)]
    for what, parse, service in steps:
        records = parse(demo.collection(what))
        summary = service(session, records, progress(what) if progress else (lambda x: x))
        yield from summary.lines()
    yield f"demo: done in {time.perf_counter() - started:.1f} s"
