"""Coverage validation: do the children of a division tile it?

Children must cover the parent with no gap, overlap no other child and stay inside the parent.
Areas are measured in m² in a local projection (see geo.crs.area_m2); findings smaller than the
tolerance (default 1 m²) are floating-point slivers, not real gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.crs import area_m2


@dataclass
class Gap:
    area_m2: float
    geometry: dict[str, Any]


@dataclass
class Overlap:
    children: list[str]
    area_m2: float
    geometry: dict[str, Any]


@dataclass
class Outside:
    child: str
    area_m2: float
    geometry: dict[str, Any]


@dataclass
class InvalidGeometry:
    child: str
    reason: str


@dataclass
class CoverageReport:
    division: str
    valid: bool
    area_m2: float
    covered_m2: float
    tolerance_m2: float
    children: int
    gaps: list[Gap] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    invalid: list[InvalidGeometry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in shapely.get_parts(shapely.get_parts(geom)) if g.geom_type == "Polygon"]
    return shapely.multipolygons(parts) if parts else shapely.Polygon()


def check_coverage(
    code: str,
    parent: BaseGeometry,
    children: Sequence[tuple[str, BaseGeometry]],
    tolerance_m2: float = 1.0,
) -> CoverageReport:
    """Overlay in lon/lat, where shared edges are exactly shared; measure in metres.

    (Projecting first would bend an edge differently on its two sides whenever they carry
    different vertices, and create slivers that are not in the data.)
    """

    def area(g: BaseGeometry) -> float:
        return float(area_m2(g))

    def significant(g: BaseGeometry) -> list[BaseGeometry]:
        parts = np.asarray([p for p in shapely.get_parts(_polygonal(g)) if not p.is_empty], dtype=object)
        return list(parts[area_m2(parts) > tolerance_m2]) if len(parts) else []

    codes = [c for c, _ in children]
    geoms = np.asarray([g for _, g in children], dtype=object)
    report = CoverageReport(code, False, area(parent), 0.0, tolerance_m2, len(children))
    if not parent.is_valid:
        report.invalid.append(InvalidGeometry(code, shapely.is_valid_reason(parent)))
        parent = shapely.make_valid(parent)
    for i, g in enumerate(geoms):
        if not g.is_valid:
            report.invalid.append(InvalidGeometry(codes[i], shapely.is_valid_reason(g)))
            geoms[i] = _polygonal(shapely.make_valid(g))

    union = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    report.covered_m2 = area(shapely.intersection(union, parent))

    for gap in significant(shapely.difference(parent, union)):
        report.gaps.append(Gap(area(gap), mapping(gap)))

    if len(geoms):
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        pairs = left < right
        left, right = left[pairs], right[pairs]
        shared = shapely.intersection(geoms[left], geoms[right])
        for i, j, inter in zip(left.tolist(), right.tolist(), shared):
            parts = significant(inter)
            if parts:
                piece = shapely.union_all(parts)
                report.overlaps.append(Overlap(sorted((codes[i], codes[j])), area(piece), mapping(piece)))

        shapely.prepare(parent)
        # Only children not plainly covered need the (costly) overlay with the parent.
        for i in np.flatnonzero(~shapely.covers(parent, geoms)).tolist():
            parts = significant(shapely.difference(geoms[i], parent))
            if parts:
                piece = shapely.union_all(parts)
                report.outside.append(Outside(codes[i], area(piece), mapping(piece)))

    report.valid = bool(children) and not (report.gaps or report.overlaps or report.outside or report.invalid)
    return report
