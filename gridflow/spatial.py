"""The few places where SpatiaLite and PostGIS differ, kept together.

- Building a point: `MakePoint(x, y, srid)` vs `ST_SetSRID(ST_MakePoint(x, y), srid)`.
- Using the spatial index: PostGIS uses its GiST index for `ST_Intersects` by itself; SQLite does
  not, so the query filters through SpatiaLite's R*Tree of the column's bounding boxes first.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Float, bindparam, column, func, select, table

from gridflow.models.spatial import SRID


def point(dialect: str, lon, lat) -> ColumnElement:
    if dialect == "sqlite":
        return func.MakePoint(lon, lat, SRID)
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)


def _rtree_meets(model, geom_column: str, west, south, east, north) -> Any:
    """SQLite: the ids whose bounding box meets the box, from the R*Tree SpatiaLite keeps for the
    column (`idx_<table>_<column>`, kept by its triggers), queried directly.  Its `SpatialIndex`
    virtual table answers the same from the same tree at twice the cost (40 against 18 µs a grid
    look-up, the busiest spatial query: every report)."""
    rtree = table(f"idx_{model.__tablename__}_{geom_column}", *map(column, ("pkid", "xmin", "xmax", "ymin", "ymax")))
    c = rtree.c
    return select(c.pkid).where(c.xmin <= east, c.xmax >= west, c.ymin <= north, c.ymax >= south)


def intersects_point(session_or_dialect, model, geom_column: str, lon=None, lat=None) -> ColumnElement:
    """`model.<geom_column>` intersects (lon, lat) — boundary included — using the spatial index.

    Without lon/lat the point is the bind parameters `lon` and `lat` (for statements built once)."""
    dialect = session_or_dialect if isinstance(session_or_dialect, str) else session_or_dialect.get_bind().dialect.name
    if lon is None:
        lon, lat = bindparam("lon", type_=Float), bindparam("lat", type_=Float)
    pt = point(dialect, lon, lat)
    geom = getattr(model, geom_column)
    condition = func.ST_Intersects(geom, pt)
    if dialect == "sqlite":
        return model.id.in_(_rtree_meets(model, geom_column, lon, lat, lon, lat)) & (condition == 1)
    return condition


def _wkb(element) -> bytes | str:
    """The WKB of a column value: bytes from SpatiaLite, hex text from PostGIS."""
    data = element.data if isinstance(element, WKBElement) else element
    return data if isinstance(data, str) else bytes(data)


def to_shape(element) -> BaseGeometry:
    return shapely.from_wkb(_wkb(element))


def shapes(elements) -> list[BaseGeometry]:
    """Vectorised WKB → Shapely for many rows."""
    raw = [_wkb(e) for e in elements]
    return list(shapely.from_wkb(raw)) if raw else []


def to_db(geom: BaseGeometry) -> WKBElement:
    return from_shape(geom, srid=SRID)


def in_bbox(dialect: str, model, geom_column: str, west: float, south: float, east: float, north: float):
    """`model.<geom_column>`'s bounding box meets the box (what a map view shows), through the
    spatial index on both back ends."""
    if dialect == "sqlite":
        return model.id.in_(_rtree_meets(model, geom_column, west, south, east, north))
    return getattr(model, geom_column).op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID))
