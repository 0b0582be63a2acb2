"""What a map view needs of the spatial model: the box it shows, how much detail its zoom can show,
and features made small enough for that detail.  Pure (Shapely and numpy only).

Zoom levels are the web map's (Leaflet, OpenStreetMap): at zoom z the world is 256 × 2^z pixels
wide, so a pixel spans 360 / (256 × 2^z) degrees of longitude.  Nothing finer than about a pixel is
worth sending: geometries are simplified with that tolerance and their coordinates rounded to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

MIN_ZOOM, MAX_ZOOM = 0, 22
TILE_PX = 256


@dataclass(frozen=True)
class BBox:
    """A lon/lat box (WGS-84): west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """`west,south,east,north` as a map's getBounds().toBBoxString() writes it; ValueError says
        what is wrong in words."""
        parts = text.split(",")
        if len(parts) != 4:
            raise ValueError("must be four numbers: west,south,east,north")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise ValueError("must be four numbers: west,south,east,north") from None
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise ValueError("must be finite numbers")
        # A map zoomed far out reports longitudes beyond ±180: clamp, as the world ends there.
        west, east = max(west, -180.0), min(east, 180.0)
        south, north = max(south, -90.0), min(north, 90.0)
        if not (west < east and south < north):
            raise ValueError("west must be less than east, and south less than north")
        return cls(west, south, east, north)

    def polygon(self) -> BaseGeometry:
        return box(self.west, self.south, self.east, self.north)


def degrees_per_pixel(zoom: int) -> float:
    """Degrees of longitude one pixel spans at this zoom (latitude: less, by cos(lat))."""
    return 360.0 / float(TILE_PX * 2**zoom)


def coordinate_digits(zoom: int) -> int:
    """Decimal places that keep rounding under a tenth of a pixel (at most 7: about a centimetre)."""
    return min(7, max(1, math.ceil(-math.log10(degrees_per_pixel(zoom) / 10))))


def simplified(geoms: list[BaseGeometry], zoom: int, coverage: bool = False) -> list[BaseGeometry]:
    """The geometries with what a pixel cannot show removed, coordinates rounded to a tenth of one.
    `coverage`: they tile an area (grids of a community, divisions of a level), so shared edges are
    simplified once and stay shared (no slivers or gaps between neighbours)."""
    if not geoms:
        return []
    tolerance = degrees_per_pixel(zoom)
    array = np.array(geoms, dtype=object)
    if coverage:
        try:
            out = shapely.coverage_simplify(array, tolerance)
        except shapely.errors.GEOSException:  # not a valid coverage (overlaps allowed on import)
            out = shapely.simplify(array, tolerance, preserve_topology=True)
    else:
        out = shapely.simplify(array, tolerance, preserve_topology=True)
    digits = coordinate_digits(zoom)
    return list(shapely.transform(out, lambda xy: np.round(xy, digits)))


def feature(geom: BaseGeometry | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": None if geom is None else mapping(geom), "properties": properties}


def point_feature(lon: float, lat: float, properties: dict[str, Any], zoom: int) -> dict[str, Any]:
    digits = coordinate_digits(zoom)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, digits), round(lat, digits)]},
        "properties": properties,
    }
