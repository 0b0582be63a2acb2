"""Coordinate systems.

GridFlow stores WGS-84 lon/lat.  Chinese web maps publish GCJ-02 (AMap, Tencent) or BD-09 (Baidu),
offset by up to a few hundred metres; imports convert with `prcoords` (its iterative "bored"
inverses are accurate to millimetres).  Areas and lengths are computed in metres: areas in a local
equirectangular projection at the feature's own latitude (`area_m2`, `length_m`, `nearby_m`), with
the WGS-84 ellipsoid's radii of curvature: affine in lon/lat, so measures of the pieces of a shape add
up to the measure of the whole, and within 0.02 % of the ellipsoid at city scale.

Why not pyproj: its wheels bundle their own PROJ, and SpatiaLite links the system's libproj with the
same soname.  SQLite loads extensions RTLD_GLOBAL, so pyproj's lazily bound calls land in the system
PROJ and corrupt the heap (seen here: "double free or corruption" in the test suite; a test guards it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import prcoords
import shapely
from shapely.geometry.base import BaseGeometry

CRS_NAMES = ("wgs84", "gcj02", "bd09")
_INVERSE = {"gcj02": prcoords.gcj_wgs_bored, "bd09": prcoords.bd_wgs_bored}
_FORWARD = {"gcj02": prcoords.wgs_gcj, "bd09": prcoords.wgs_bd}


def _convert(geom: BaseGeometry, fn: Callable[[tuple[float, float]], Any]) -> BaseGeometry:
    def convert_coords(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        for i, (lon, lat) in enumerate(xy):
            c = fn((lat, lon))
            out[i] = (c.lon, c.lat)
        return out

    converted: BaseGeometry = shapely.transform(geom, convert_coords)
    return converted


def to_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """Convert a geometry given in `crs` (wgs84, gcj02, bd09) to WGS-84."""
    if crs == "wgs84":
        return geom
    if crs not in _INVERSE:
        raise ValueError(f"unknown CRS {crs!r}; expected one of {', '.join(CRS_NAMES)}")
    return _convert(geom, _INVERSE[crs])


def from_wgs84(geom: BaseGeometry, crs: str) -> BaseGeometry:
    """Convert a WGS-84 geometry to `crs` (used to make test data the way web maps publish it)."""
    if crs == "wgs84":
        return geom
    return _convert(geom, _FORWARD[crs])


_A, _F = 6378137.0, 1 / 298.257223563  # WGS-84
_E2 = _F * (2 - _F)


def metres_per_degree(lat: float | np.ndarray) -> tuple[Any, Any]:
    """(metres per degree of longitude, of latitude) at latitude `lat`, on the WGS-84 ellipsoid."""
    phi = np.radians(lat)
    w = np.sqrt(1 - _E2 * np.sin(phi) ** 2)
    meridian = _A * (1 - _E2) / w**3
    prime = _A / w
    return np.pi / 180 * prime * np.cos(phi), np.pi / 180 * meridian


def area_m2(geoms: Any) -> Any:
    """Area in m² in a local equirectangular projection at each geometry's own latitude.

    The projection is affine in lon/lat, so edges that are straight and shared in the data stay
    straight and shared: a sliver that has no area in lon/lat has none here either (projecting
    vertices into a curved projection would give it some).  Error against the ellipsoid: under
    0.02 % for an area one degree tall, far less for anything smaller.
    """
    bounds = shapely.bounds(geoms)
    kx, ky = metres_per_degree(np.nan_to_num((bounds[..., 1] + bounds[..., 3]) / 2))
    return shapely.area(geoms) * kx * ky


def reference_lat(geom: BaseGeometry) -> float:
    minx, miny, maxx, maxy = geom.bounds
    return float(miny + maxy) / 2


def length_m(geom: BaseGeometry, ref_lat: float | None = None) -> float:
    """Length in m in the local equirectangular projection at `ref_lat` (default: the geometry's own).

    Affine in lon/lat, so the pieces of a line measured at the line's reference latitude sum to
    the whole exactly (geodesic lengths of pieces do not).  Within 0.1 % of the ellipsoid for a
    line 0.1° tall.
    """
    if geom.is_empty:
        return 0.0
    kx, ky = metres_per_degree(reference_lat(geom) if ref_lat is None else ref_lat)
    total = 0.0
    for part in shapely.get_parts(geom):
        xy = shapely.get_coordinates(part)
        d = np.diff(xy, axis=0)
        total += float(np.hypot(d[:, 0] * kx, d[:, 1] * ky).sum())
    return total


def nearby_m(lon: float, lat: float, lons: Iterable[float], lats: Iterable[float]) -> np.ndarray:
    """Distances in m from one point to many, in the local equirectangular projection at `lat`:
    within 1e-6 of the geodesic at a few hundred metres, and vectorised (for duplicate searches)."""
    kx, ky = metres_per_degree(lat)
    distances: np.ndarray = np.hypot((np.asarray(lons, float) - lon) * kx, (np.asarray(lats, float) - lat) * ky)
    return distances


def distance_to_m(lon: float, lat: float, geom: BaseGeometry) -> float:
    """How far a point lies from a geometry (0 inside a polygon), in m, in the local equirectangular
    projection at the point's latitude (a few hundred metres: as exact as `nearby_m`)."""
    kx, ky = metres_per_degree(lat)
    local = shapely.transform(geom, lambda xy: (xy - (lon, lat)) * (kx, ky))
    return float(shapely.distance(local, shapely.Point(0.0, 0.0)))


def pairs_within_m(
    lons: Sequence[float], lats: Sequence[float], geoms: Sequence[BaseGeometry], distance_m: float
) -> list[tuple[int, int]]:
    """(point index, geometry index) of every point within `distance_m` of a geometry (inside a polygon
    included), in one local equirectangular projection at the points' and geometries' middle latitude
    (a district a few km across: within 0.1 % of the geodesic)."""
    if not len(lons) or not len(geoms):
        return []
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    mid = float((np.nanmin(bounds[:, 1]) + np.nanmax(bounds[:, 3])) / 2)
    kx, ky = metres_per_degree(mid)
    local = [shapely.transform(g, lambda xy: xy * (kx, ky)) for g in geoms]
    points = shapely.points(np.asarray(lons, float) * kx, np.asarray(lats, float) * ky)
    found = shapely.STRtree(local).query(points, predicate="dwithin", distance=distance_m)
    return list(zip(found[0].tolist(), found[1].tolist(), strict=True))
