"""Map layers of the spatial model as GeoJSON: divisions, grids with their worker, entities.

A layer answers for a map view (a box and a zoom) with only what that zoom can show: shapes
simplified to about a pixel (geo.mapview), and, when the view is too wide for single things, counts
per grid or per community instead of the things (a whole county never ships every residence).
Places are shown to every logged-in user; cases (gridflow.cases.mapdata) only inside one's area.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Connection, func, select

from geo.levels import LEVELS_TOP_DOWN
from geo.mapview import BBox, feature, point_feature, simplified
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Division, Entity, Grid, Worker
from gridflow.schemas.places import Feature, FeatureCollection
from gridflow.spatial import in_bbox, shapes

MAX_FEATURES = 3000  # features in one answer; beyond it the answer says `truncated`
# Below this zoom a grid is a few pixels wide: the layer stays empty (a city's 4,400 grids would be
# a megabyte and say nothing).
GRID_MIN_ZOOM = 11
ENTITY_DETAIL_ZOOM = 16  # from here on single entities; below, counts per grid
ENTITY_GRID_ZOOM = 13  # below this, counts per community
# The division level a map shows by default at each zoom: counties for the whole city, streets for a
# county, communities closer in.
DIVISION_ZOOMS = ((0, "county"), (10, "street"), (12, "community"))
ENTITY_KINDS = ("residence", "shop", "unit", "road")


def division_level_for(zoom: int) -> str:
    return [level for start, level in DIVISION_ZOOMS if zoom >= start][-1]


Detail = Literal["features", "grid_counts", "community_counts", "hidden"]


def collection(features: list[dict], detail: Detail = "features", truncated: bool = False) -> FeatureCollection:
    return FeatureCollection(features=[Feature.model_validate(f) for f in features], detail=detail, truncated=truncated)


def hidden(min_zoom: int) -> FeatureCollection:
    """Nothing at this zoom: the layer shows from `min_zoom` on."""
    return FeatureCollection(features=[], detail="hidden", truncated=False, min_zoom=min_zoom)


def _capped(rows: Sequence) -> tuple[list, bool]:
    return list(rows[:MAX_FEATURES]), len(rows) > MAX_FEATURES


def divisions(db: Database, bbox: BBox, zoom: int, level: str | None = None) -> FeatureCollection:
    """The divisions of one level (default: what suits the zoom) whose box meets the view."""
    level = level or division_level_for(zoom)
    if level not in LEVELS_TOP_DOWN:
        raise ValueError(f"unknown level {level!r}")
    with db.lookup() as conn:
        stmt = (
            select(Division.code, Division.name, Division.level, Division.boundary)
            .where(Division.level == level, in_bbox(conn.dialect.name, Division, "boundary", *_box(bbox)))
            .order_by(Division.code)
            .limit(MAX_FEATURES + 1)
        )
        rows, truncated = _capped(conn.execute(stmt).all())
    geoms = simplified(shapes([r.boundary for r in rows]), zoom, coverage=True)
    return collection(
        [feature(g, {"code": r.code, "name": r.name, "level": r.level}) for r, g in zip(rows, geoms)],
        truncated=truncated,
    )


def _box(bbox: BBox) -> tuple[float, float, float, float]:
    return bbox.west, bbox.south, bbox.east, bbox.north


def grids(db: Database, bbox: BBox | None, zoom: int, code: str | None = None) -> FeatureCollection:
    """Grids whose box meets the view (or the one grid `code`), with their community and worker."""
    community = select(Division.id, Division.code, Division.name).subquery()
    stmt = (
        select(
            Grid.code,
            Grid.name,
            Grid.kind,
            Grid.boundary,
            community.c.code.label("community_code"),
            community.c.name.label("community_name"),
            Worker.staff_no,
            Worker.name.label("worker_name"),
            Worker.phone.label("worker_phone"),
        )
        .join(community, Grid.community_id == community.c.id)
        .outerjoin(Worker, Grid.worker_id == Worker.id)
        .order_by(Grid.code)
        .limit(MAX_FEATURES + 1)
    )
    if code is None and zoom < GRID_MIN_ZOOM:
        return hidden(GRID_MIN_ZOOM)
    with db.lookup() as conn:
        if code is not None:
            stmt = stmt.where(Grid.code == code)
        if bbox is not None:
            stmt = stmt.where(in_bbox(conn.dialect.name, Grid, "boundary", *_box(bbox)))
        rows, truncated = _capped(conn.execute(stmt).all())
    if code is not None and not rows:
        raise NotFound(f"no grid with code {code}", field="code")
    geoms = simplified(shapes([r.boundary for r in rows]), zoom, coverage=code is None)
    return collection(
        [
            feature(
                g,
                {
                    "code": r.code,
                    "name": r.name,
                    "kind": r.kind,
                    "community": {"code": r.community_code, "name": r.community_name},
                    "worker": None
                    if r.staff_no is None
                    else {"staff_no": r.staff_no, "name": r.worker_name, "phone": r.worker_phone},
                },
            )
            for r, g in zip(rows, geoms)
        ],
        truncated=truncated,
    )


def entities(db: Database, bbox: BBox, zoom: int) -> FeatureCollection:
    """Residences, shops, units and roads in the view from ENTITY_DETAIL_ZOOM on; below it, one point
    per grid (or, below ENTITY_GRID_ZOOM, per community) with how many of each kind it holds and its
    households."""
    with db.lookup() as conn:
        if zoom >= ENTITY_DETAIL_ZOOM:
            return _entity_features(conn, bbox, zoom)
        return _entity_counts(conn, bbox, zoom, by_community=zoom < ENTITY_GRID_ZOOM)


def _entity_features(conn: Connection, bbox: BBox, zoom: int) -> FeatureCollection:
    grid = select(Grid.id, Grid.code).subquery()
    stmt = (
        select(
            Entity.ref,
            Entity.kind,
            Entity.name,
            Entity.address,
            Entity.households,
            Entity.residents,
            Entity.geom,
            grid.c.code.label("grid_code"),
        )
        .outerjoin(grid, Entity.grid_id == grid.c.id)
        .where(in_bbox(conn.dialect.name, Entity, "geom", *_box(bbox)))
        .order_by(Entity.ref)
        .limit(MAX_FEATURES + 1)
    )
    rows, truncated = _capped(conn.execute(stmt).all())
    geoms = simplified(shapes([r.geom for r in rows]), zoom)
    return collection(
        [
            feature(
                g,
                {
                    "ref": r.ref,
                    "kind": r.kind,
                    "name": r.name,
                    "address": r.address,
                    "households": r.households,
                    "residents": r.residents,
                    "grid": r.grid_code,
                },
            )
            for r, g in zip(rows, geoms)
        ],
        truncated=truncated,
    )


def _entity_counts(conn: Connection, bbox: BBox, zoom: int, by_community: bool) -> FeatureCollection:
    """Counts per grid or community of the grids whose box meets the view.  Roads have no grid of
    their own (each stretch has one): they are not counted here."""
    area = Division if by_community else Grid
    key = Grid.community_id if by_community else Grid.id
    grids_in_view = select(Grid.id).where(in_bbox(conn.dialect.name, Grid, "boundary", *_box(bbox)))
    counted = (
        select(key.label("area_id"), Entity.kind, func.count(), func.coalesce(func.sum(Entity.households), 0))
        .join(Grid, Entity.grid_id == Grid.id)
        .where(Entity.grid_id.in_(grids_in_view))
        .group_by(key, Entity.kind)
    )
    detail: Detail = "community_counts" if by_community else "grid_counts"
    counts: dict[int, dict] = {}
    for area_id, kind, n, households in conn.execute(counted):
        entry = counts.setdefault(area_id, {"counts": dict.fromkeys(ENTITY_KINDS[:3], 0), "households": 0})
        entry["counts"][kind] = n
        entry["households"] += households
    if not counts:
        return collection([], detail)
    inside = func.ST_PointOnSurface(area.boundary)
    places = conn.execute(
        select(area.id, area.code, area.name, func.ST_X(inside), func.ST_Y(inside))
        .where(area.id.in_(list(counts)))
        .order_by(area.code)
        .limit(MAX_FEATURES + 1)
    ).all()
    places, truncated = _capped(places)
    return collection(
        [
            point_feature(lon, lat, {"code": code, "name": name, **counts[area_id]}, zoom)
            for area_id, code, name, lon, lat in places
        ],
        detail,
        truncated,
    )
