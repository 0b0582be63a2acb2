"""An entity (residence, shop, unit, road) as the field app shows it: its details and its case
history.  It exists for an actor whose area holds one of its grids (a road: one of its stretches'),
by the same rule as a case (`workflow.rules.in_area`); elsewhere it does not exist for him (404).

Its history: the cases reported at it (`entity`), and the cases of its grids located at it — inside
its shape or within AT_ENTITY_M of it (a report from GPS in front of a shop) — most recent first.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geo.crs import distance_to_m, metres_per_degree
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.view import case_summary, load_names
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, Division, Entity, Grid, RoadStretch
from gridflow.people.access import visible_conditions
from gridflow.schemas.common import Ref
from gridflow.schemas.places import EntityDetail
from gridflow.spatial import shapes
from gridflow.workflow.rules import Actor, in_area

AT_ENTITY_M = 20.0  # a case this close to an entity's shape is "at" it (GPS in front of a door)
HISTORY = 100  # the most recent cases listed (`cases_total` counts them all)


def _grid_areas(s: Session, grid_ids: set[int]) -> list[SimpleNamespace]:
    """Each grid with its division at every level, shaped like a case for `in_area`."""
    areas = {
        g.id: SimpleNamespace(grid_id=g.id, community_id=g.community_id)
        for g in s.execute(select(Grid.id, Grid.community_id).where(Grid.id.in_(grid_ids)))
    }
    parents: dict[int, tuple[str, int | None]] = {}
    frontier = {a.community_id for a in areas.values()}
    while frontier:
        rows = s.execute(select(Division.id, Division.level, Division.parent_id).where(Division.id.in_(frontier)))
        found = {r.id: (r.level, r.parent_id) for r in rows}
        parents |= found
        frontier = {p for _, p in found.values() if p is not None and p not in parents}
    for area in areas.values():
        at: int | None = area.community_id
        for level in LEVELS_BOTTOM_UP:
            setattr(area, f"{level}_id", None)
        while at is not None and at in parents:
            level, parent = parents[at]
            setattr(area, f"{level}_id", at)
            at = parent
    return list(areas.values())


def entity_detail(db: Database, actor: Actor, ref: str) -> EntityDetail:
    now = utcnow()
    with db.session() as s:
        entity = s.scalars(select(Entity).where(Entity.ref == ref)).first()
        if entity is None:
            raise NotFound("no such entity", field="ref")
        grid_ids = {entity.grid_id} if entity.grid_id is not None else set()
        grid_ids |= {g for g in s.scalars(select(RoadStretch.grid_id).where(RoadStretch.entity_id == entity.id)) if g}
        nowhere = SimpleNamespace(grid_id=None, **{f"{level}_id": None for level in LEVELS_BOTTOM_UP})
        areas = _grid_areas(s, grid_ids) or [nowhere]  # in no grid: for administrators only
        if not any(in_area(area, actor) for area in areas):
            raise NotFound("no such entity", field="ref")  # outside the caller's area it does not exist
        (shape,) = shapes([s.scalar(select(Entity.geom).where(Entity.id == entity.id))])
        west, south, east, north = shape.bounds
        kx, ky = metres_per_degree((south + north) / 2)
        dx, dy = AT_ENTITY_M / kx, AT_ENTITY_M / ky
        near = and_(
            Case.grid_id.in_(grid_ids),
            Case.lon.between(west - dx, east + dx),
            Case.lat.between(south - dy, north + dy),
        )
        candidates = s.scalars(
            select(Case)
            .where(or_(Case.entity_id == entity.id, near), *visible_conditions(actor))
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
        at_it = [c for c in candidates if c.entity_id == entity.id or distance_to_m(c.lon, c.lat, shape) <= AT_ENTITY_M]
        shown = at_it[:HISTORY]
        names = load_names(s, shown, db)
        grids = s.execute(select(Grid.code, Grid.name).where(Grid.id.in_(grid_ids)).order_by(Grid.code))
        return EntityDetail(
            ref=entity.ref,
            kind=entity.kind,
            name=entity.name,
            address=entity.address,
            households=entity.households,
            residents=entity.residents,
            grids=[Ref(code=g.code, name=g.name) for g in grids],
            cases=[case_summary(c, names, now) for c in shown],
            cases_total=len(at_it),
        )
