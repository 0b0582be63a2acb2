"""An entity (residence, shop, unit, road) as the field app shows it: its details and its case
history.  It exists for an actor whose area holds one of its grids (a road: one of its stretches'),
by the same rule as a case (`workflow.rules.in_area`); elsewhere it does not exist for him (404).

Its history: the cases reported at it (`entity`), and the cases of its grids located at it — inside
its shape or within AT_ENTITY_M of it (a report from GPS in front of a shop) — most recent first.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geo.crs import metres_per_degree, pairs_within_m
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.view import case_summary, load_names
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, Division, Entity, Grid, RoadStretch
from gridflow.people.access import visible_conditions
from gridflow.schemas.common import Ref
from gridflow.schemas.places import EntityDetail, EntityDetails
from gridflow.spatial import shapes
from gridflow.workflow.rules import Actor, in_area

AT_ENTITY_M = 20.0  # a case this close to an entity's shape is "at" it (GPS in front of a door)
HISTORY = 100  # the most recent cases listed (`cases_total` counts them all)
OFFLINE_HISTORY = 20  # … in a whole grid's list, kept on the phone


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


@dataclass
class _Place:
    entity: Entity
    shape: BaseGeometry
    grid_ids: set[int]


def _histories(s: Session, db: Database, actor: Actor, places: list[_Place], keep: int) -> list[EntityDetail]:
    """Each place's details and history (at most `keep` cases each): one look-up of the cases of their
    grids in their box, and one spatial match (`geo.crs.pairs_within_m`)."""
    now = utcnow()
    grid_ids = set().union(*(p.grid_ids for p in places))
    by_id = {p.entity.id: i for i, p in enumerate(places)}
    west, south, east, north = shapely.total_bounds([p.shape for p in places])
    kx, ky = metres_per_degree((south + north) / 2)
    dx, dy = AT_ENTITY_M / kx, AT_ENTITY_M / ky
    near = and_(
        Case.grid_id.in_(grid_ids),
        Case.lon.between(west - dx, east + dx),
        Case.lat.between(south - dy, north + dy),
    )
    candidates = list(
        s.scalars(
            select(Case)
            .where(or_(Case.entity_id.in_(list(by_id)), near), *visible_conditions(actor))
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
    )
    at: list[set[int]] = [set() for _ in places]  # candidate indexes at each place
    for i, c in enumerate(candidates):
        if c.entity_id in by_id:
            at[by_id[c.entity_id]].add(i)
    lons, lats = [c.lon for c in candidates], [c.lat for c in candidates]
    for i, j in pairs_within_m(lons, lats, [p.shape for p in places], AT_ENTITY_M):
        if candidates[i].grid_id in places[j].grid_ids:
            at[j].add(i)
    histories = [[candidates[i] for i in sorted(found)] for found in at]  # newest first, as looked up
    shown = [h[:keep] for h in histories]
    names = load_names(s, [c for h in shown for c in h], db)
    all_grids = {
        g.id: Ref(code=g.code, name=g.name)
        for g in s.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(grid_ids)))
    }
    return [
        EntityDetail(
            ref=p.entity.ref,
            kind=p.entity.kind,
            name=p.entity.name,
            address=p.entity.address,
            households=p.entity.households,
            residents=p.entity.residents,
            grids=sorted((all_grids[g] for g in p.grid_ids), key=lambda r: r.code),
            cases=[case_summary(c, names, now) for c in cases],
            cases_total=len(history),
        )
        for p, cases, history in zip(places, shown, histories, strict=True)
    ]


def _places(s: Session, entities: list[Entity]) -> list[_Place]:
    ids = [e.id for e in entities]
    stretches: dict[int, set[int]] = {i: set() for i in ids}
    for entity_id, grid_id in s.execute(
        select(RoadStretch.entity_id, RoadStretch.grid_id).where(RoadStretch.entity_id.in_(ids))
    ):
        if grid_id is not None:
            stretches[entity_id].add(grid_id)
    geoms = {row.id: row.geom for row in s.execute(select(Entity.id, Entity.geom).where(Entity.id.in_(ids)))}
    found = shapes([geoms[i] for i in ids])
    return [
        _Place(e, shape, ({e.grid_id} if e.grid_id is not None else set()) | stretches[e.id])
        for e, shape in zip(entities, found, strict=True)
    ]


NOWHERE = SimpleNamespace(grid_id=None, **{f"{level}_id": None for level in LEVELS_BOTTOM_UP})


def entity_detail(db: Database, actor: Actor, ref: str) -> EntityDetail:
    with db.session() as s:
        entity = s.scalars(select(Entity).where(Entity.ref == ref)).first()
        if entity is None:
            raise NotFound("no such entity", field="ref")
        (place,) = _places(s, [entity])
        areas = _grid_areas(s, place.grid_ids) or [NOWHERE]  # in no grid: for administrators only
        if not any(in_area(area, actor) for area in areas):
            raise NotFound("no such entity", field="ref")  # outside the caller's area it does not exist
        return _histories(s, db, actor, [place], HISTORY)[0]


def grid_entities(db: Database, actor: Actor, code: str) -> EntityDetails:
    """Every entity of a grid in the caller's area (a road: with a stretch in it) with its history, at
    most OFFLINE_HISTORY cases each: what the phone keeps to show them without signal."""
    with db.session() as s:
        grid_id = s.scalar(select(Grid.id).where(Grid.code == code))
        areas = _grid_areas(s, {grid_id}) if grid_id is not None else []
        if not any(in_area(area, actor) for area in areas):
            raise NotFound("no such grid", field="grid")
        roads = select(RoadStretch.entity_id).where(RoadStretch.grid_id == grid_id)
        entities = list(
            s.scalars(select(Entity).where(or_(Entity.grid_id == grid_id, Entity.id.in_(roads))).order_by(Entity.ref))
        )
        if not entities:
            return EntityDetails(items=[])
        return EntityDetails(items=_histories(s, db, actor, _places(s, entities), OFFLINE_HISTORY))
