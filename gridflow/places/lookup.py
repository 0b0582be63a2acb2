"""Look-ups on the spatial model: locate a point, validate coverage, export GeoJSON."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shapely.geometry import mapping
from sqlalchemy import Connection, case, func, select
from sqlalchemy.orm import Session, aliased

from geo.coverage import CoverageReport, check_coverage
from geo.levels import LEVELS_TOP_DOWN
from gridflow.errors import N_, Invalid, NotFound
from gridflow.hotpath import HotStatement
from gridflow.models import Division, Entity, Grid, RoadStretch, Worker
from gridflow.schemas.places import Located
from gridflow.spatial import intersects_point, shapes, to_shape


def _ref(obj) -> dict | None:
    return None if obj is None else {"code": obj.code, "name": obj.name}


@dataclass(frozen=True)
class Ref:
    id: int
    code: str
    name: str

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class Responsible:
    """Who answers for a point: its grid, the divisions above it, the grid's worker."""

    grid: Ref
    community: Ref
    street: Ref | None
    county: Ref | None
    city: Ref | None
    worker: Ref | None  # code = staff number


def _responsible_stmt(dialect: str):
    """Built once per back end (building it costs more than running it); lon/lat are bound.
    Plain columns, not ORM objects: this runs on every report and every locate."""
    community, street, county, city = (aliased(Division) for _ in range(4))
    columns = [Grid.id, Grid.code, Grid.name]
    for d in (community, street, county, city):
        columns += [d.id, d.code, d.name]
    columns += [Worker.id, Worker.staff_no, Worker.name]
    return (
        select(*columns)
        .join(community, Grid.community_id == community.id)
        .outerjoin(street, community.parent_id == street.id)
        .outerjoin(county, street.parent_id == county.id)
        .outerjoin(city, county.parent_id == city.id)
        .outerjoin(Worker, Grid.worker_id == Worker.id)
        .where(intersects_point(dialect, Grid, "boundary"))
        .order_by(Grid.code)
        .limit(1)
    )


_RESPONSIBLE = HotStatement("places.responsible", _responsible_stmt)  # every report and every locate


def responsible_query(lon: float, lat: float) -> tuple[HotStatement, dict]:
    """One query: the covering grid (lowest code on a shared edge) and the tree above it."""
    return _RESPONSIBLE, {"lon": float(lon), "lat": float(lat)}


def responsible_from(rows: list[tuple]) -> Responsible | None:
    if not rows:
        return None
    row = rows[0]
    return Responsible(*(None if row[i] is None else Ref(*row[i : i + 3]) for i in range(0, len(row), 3)))


def responsible_at(conn: Connection, lon: float, lat: float) -> Responsible | None:
    hot, params = responsible_query(lon, lat)
    return responsible_from(hot.rows(conn, params))


def locate(conn: Connection, lon: float, lat: float) -> Located:
    """The division at every level, the grid and its worker for a point (each {code, name} or None);
    `lon`/`lat` as checked by schemas.places.LocateQuery."""
    result = {level: None for level in LEVELS_TOP_DOWN} | {"grid": None, "worker": None}
    found = responsible_at(conn, lon, lat)
    if found is not None:
        result.update({key: _ref(getattr(found, key)) for key in (*LEVELS_TOP_DOWN, "grid", "worker")})
        return Located(**result)
    stmt = (
        select(Division.code, Division.name, Division.level)
        .where(intersects_point(conn.dialect.name, Division, "boundary", lon, lat))
        .order_by(Division.code)
    )
    for division in conn.execute(stmt):
        if result[division.level] is None:
            result[division.level] = _ref(division)
    return Located(**result)


def get_division(session: Session, code: str) -> Division:
    division = session.scalars(select(Division).where(Division.code == code)).first()
    if division is None:
        raise NotFound(N_("no division with code %(code)s"), field="code", params={"code": code})
    return division


def code_prefix(division: Division) -> str:
    """Codes are hierarchical: everything under a division starts with this prefix."""
    return division.code[:4] if division.level == "city" else division.code


def code_prefix_sql(code, level):
    """`code_prefix` inside a statement (the same rule, on a division's columns)."""
    return case((level == "city", func.substr(code, 1, 4)), else_=code)


def coverage(session: Session, code: str, tolerance_m2: float = 1.0, children: str = "direct") -> CoverageReport:
    """Do the children of division `code` tile it?  children='direct' (child divisions, or grids for
    a community) or 'grids' (every grid below the division)."""
    division = get_division(session, code)
    if children not in ("direct", "grids"):
        raise Invalid(N_("children must be 'direct' or 'grids'"), field="children")
    if children == "grids" or division.level == "community":
        stmt = select(Grid.code, Grid.boundary).join(Division, Grid.community_id == Division.id)
        if division.level == "community":
            stmt = stmt.where(Grid.community_id == division.id)
        else:
            stmt = stmt.where(Division.code.startswith(code_prefix(division)))
    else:
        stmt = select(Division.code, Division.boundary).where(Division.parent_id == division.id)
    rows = session.execute(stmt.order_by("code")).all()
    parent = to_shape(session.scalar(select(Division.boundary).where(Division.id == division.id)))
    return check_coverage(code, parent, list(zip([r[0] for r in rows], shapes([r[1] for r in rows]))), tolerance_m2)


def coverage_layer(session: Session, report: CoverageReport) -> dict:
    """A coverage report on a map: the division's outline (`area`), then its gaps, overlaps and parts
    outside, each with its codes and m² (GeoJSON, WGS-84)."""
    division = get_division(session, report.division)
    outline = {"code": division.code, "name": division.name}
    features = [
        {"type": "Feature", "geometry": mapping(to_shape(division.boundary)), "properties": {"role": "area"} | outline}
    ]
    features += [_finding("gap", [report.division], g.area_m2, g.geometry) for g in report.gaps]
    features += [_finding("overlap", o.children, o.area_m2, o.geometry) for o in report.overlaps]
    features += [_finding("outside", [o.child], o.area_m2, o.geometry) for o in report.outside]
    return {"type": "FeatureCollection", "features": features}


def _finding(role: str, codes: list[str], area_m2: float, geometry: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"role": role, "codes": codes, "area_m2": area_m2}}


def children_of(session: Session, code: str | None) -> list[tuple[str, str, str]]:
    """(code, name, level) of the divisions right below division `code` (None: the top ones), by code."""
    parent = None if code is None else get_division(session, code).id
    rows = session.execute(
        select(Division.code, Division.name, Division.level)
        .where(Division.parent_id == parent if parent is not None else Division.parent_id.is_(None))
        .order_by(Division.code)
    )
    return [(r.code, r.name, r.level) for r in rows]


def grids_in_area(conn: Connection, division_id: int | None, limit: int = 300) -> list[tuple[str, str]] | None:
    """(code, name) of the grids under a division (every grid for None), in code order; None when
    there are more than `limit` (a list too long to choose from).  One statement: a grid's code
    starts with its community's, and so with every division's above it."""
    stmt = select(Grid.code, Grid.name).order_by(Grid.code).limit(limit + 1)
    if division_id is not None:
        division = select(Division.code, Division.level).where(Division.id == division_id).subquery()
        stmt = stmt.join(division, Grid.code.startswith(code_prefix_sql(division.c.code, division.c.level)))
    rows = [(r.code, r.name) for r in conn.execute(stmt)]
    return None if len(rows) > limit else rows


def grids_without_owner(session: Session, code: str | None = None) -> list[str]:
    """Grids (under division `code`, or all) that no five-in-one worker owns."""
    stmt = select(Grid.code).where(Grid.worker_id.is_(None))
    if code:
        stmt = stmt.where(Grid.code.startswith(code_prefix(get_division(session, code))))
    return list(session.scalars(stmt.order_by(Grid.code)))


# -- export ---------------------------------------------------------------------------------------
def _feature(geom, props: dict) -> dict:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def export_features(
    session: Session, what: str, division_code: str | None = None, road_stretches: bool = True
) -> Iterator[dict]:
    """GeoJSON features of divisions, grids or entities, optionally only those under a division.
    Roads come one feature per stretch, or whole (`road_stretches=False`, which re-imports as is)."""
    prefix = code_prefix(get_division(session, division_code)) if division_code else None
    if what == "divisions":
        parent = aliased(Division)
        stmt = select(Division, parent.code, Division.boundary).outerjoin(parent, Division.parent_id == parent.id)
        if prefix:
            stmt = stmt.where(Division.code.startswith(prefix))
        rows = session.execute(stmt.order_by(Division.code)).all()
        for (d, parent_code, _), geom in zip(rows, shapes([r[2] for r in rows])):
            yield _feature(geom, {"code": d.code, "name": d.name, "level": d.level, "parent_code": parent_code})
    elif what == "grids":
        stmt = select(Grid, Worker, Grid.boundary).outerjoin(Worker, Grid.worker_id == Worker.id)
        if prefix:
            stmt = stmt.where(Grid.code.startswith(prefix))
        rows = session.execute(stmt.order_by(Grid.code)).all()
        for (g, w, _), geom in zip(rows, shapes([r[2] for r in rows])):
            worker = None if w is None else {"staff_no": w.staff_no, "name": w.name, "phone": w.phone}
            yield _feature(geom, {"code": g.code, "name": g.name, "kind": g.kind, "worker": worker})
    elif what == "entities":
        yield from _export_entities(session, prefix, road_stretches)
    else:
        raise Invalid("export what? divisions, grids or entities", field="what")


def _entity_props(e: Entity, grid_code: str | None) -> dict:
    props = {"kind": e.kind, "ref": e.ref, "name": e.name, "address": e.address, "grid": grid_code}
    if e.households is not None:
        props["households"] = e.households
    if e.residents is not None:
        props["residents"] = e.residents
    if e.kind != "road":
        props["share"] = e.share
        props["straddles"] = e.straddles
    if e.unassigned_reason:
        props["unassigned_reason"] = e.unassigned_reason
    return props


def _export_entities(session: Session, prefix: str | None, road_stretches: bool) -> Iterator[dict]:
    stmt = select(Entity, Grid.code, Entity.geom).outerjoin(Grid, Entity.grid_id == Grid.id)
    if road_stretches:
        stmt = stmt.where(Entity.kind != "road")
    if prefix:
        stmt = stmt.where(Grid.code.startswith(prefix))
    rows = session.execute(stmt.order_by(Entity.ref)).all()
    for (e, code, _), geom in zip(rows, shapes([r[2] for r in rows])):
        yield _feature(geom, _entity_props(e, code))
    if not road_stretches:
        return
    # A road: one feature per stretch, each carrying the road's ref and its own grid.
    stmt = (
        select(RoadStretch, Entity, Grid.code, RoadStretch.geom)
        .join(Entity, RoadStretch.entity_id == Entity.id)
        .outerjoin(Grid, RoadStretch.grid_id == Grid.id)
    )
    if prefix:
        stmt = stmt.where(Grid.code.startswith(prefix))
    rows = session.execute(stmt.order_by(Entity.ref, RoadStretch.seq)).all()
    for (s, e, code, _), geom in zip(rows, shapes([r[3] for r in rows])):
        props = _entity_props(e, code) | {"stretch": s.seq, "length_m": round(s.length_m, 3)}
        if code is None:
            props["unassigned_reason"] = "outside every grid"
        yield _feature(geom, props)
