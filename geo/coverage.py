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


def _area(g: BaseGeometry) -> float:
    return float(area_m2(g))


def _significant(g: BaseGeometry, tolerance_m2: float) -> list[BaseGeometry]:
    """The polygon parts of `g` larger than the tolerance (smaller ones are floating-point slivers)."""
    parts = np.asarray([p for p in shapely.get_parts(_polygonal(g)) if not p.is_empty], dtype=object)
    return list(parts[area_m2(parts) > tolerance_m2]) if len(parts) else []


def _gaps(parent: BaseGeometry, union: BaseGeometry, tolerance_m2: float) -> list[Gap]:
    return [Gap(_area(gap), mapping(gap)) for gap in _significant(shapely.difference(parent, union), tolerance_m2)]


def _overlaps(
    codes: Sequence[str], geoms: np.ndarray, tolerance_m2: float, involving: np.ndarray | None = None
) -> list[Overlap]:
    """Every pair of `geoms` sharing more than the tolerance; with `involving` (a boolean mask), only
    pairs with at least one of those."""
    if not len(geoms):
        return []
    tree = shapely.STRtree(geoms)
    if involving is None:
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
    else:
        subject = np.flatnonzero(involving)
        left, right = tree.query(geoms[subject], predicate="intersects")
        left = subject[left]
        keep = (left != right) & (~involving[right] | (left < right))  # each pair once
    left, right = left[keep], right[keep]
    out = []
    for i, j, inter in zip(left.tolist(), right.tolist(), shapely.intersection(geoms[left], geoms[right])):
        parts = _significant(inter, tolerance_m2)
        if parts:
            piece = shapely.union_all(parts)
            out.append(Overlap(sorted((codes[i], codes[j])), _area(piece), mapping(piece)))
    return sorted(out, key=lambda o: o.children)


def _outside(parent: BaseGeometry, codes: Sequence[str], geoms: np.ndarray, tolerance_m2: float) -> list[Outside]:
    if not len(geoms):
        return []
    shapely.prepare(parent)
    out = []
    # Only children not plainly covered need the (costly) overlay with the parent.
    for i in np.flatnonzero(~shapely.covers(parent, geoms)).tolist():
        parts = _significant(shapely.difference(geoms[i], parent), tolerance_m2)
        if parts:
            piece = shapely.union_all(parts)
            out.append(Outside(codes[i], _area(piece), mapping(piece)))
    return out


def _invalid(codes: Sequence[str], geoms: np.ndarray) -> list[InvalidGeometry]:
    """Invalid geometries, reported; repaired in place so that the overlays can run."""
    out = []
    for i, g in enumerate(geoms):
        if not g.is_valid:
            out.append(InvalidGeometry(codes[i], shapely.is_valid_reason(g)))
            geoms[i] = _polygonal(shapely.make_valid(g))
    return out


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
    codes = [c for c, _ in children]
    geoms = np.asarray([g for _, g in children], dtype=object)
    report = CoverageReport(code, False, _area(parent), 0.0, tolerance_m2, len(children))
    if not parent.is_valid:
        report.invalid.append(InvalidGeometry(code, shapely.is_valid_reason(parent)))
        parent = shapely.make_valid(parent)
    report.invalid += _invalid(codes, geoms)

    union = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    report.covered_m2 = _area(shapely.intersection(union, parent))
    report.gaps = _gaps(parent, union, tolerance_m2)
    report.overlaps = _overlaps(codes, geoms, tolerance_m2)
    report.outside = _outside(parent, codes, geoms, tolerance_m2)
    report.valid = bool(children) and not (report.gaps or report.overlaps or report.outside or report.invalid)
    return report


# -- grids being imported -----------------------------------------------------------------------
@dataclass
class CommunityGap:
    community: str
    area_m2: float
    geometry: dict[str, Any]


@dataclass
class GridImportCheck:
    """What a grid import would do to the tiling: overlaps (each with at least one imported grid) and
    parts of imported grids outside their community refuse the import; gaps left in the communities
    it touches are warnings."""

    tolerance_m2: float
    overlaps: list[Overlap] = field(default_factory=list)
    outside: list[Outside] = field(default_factory=list)
    gaps: list[CommunityGap] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.overlaps or self.outside)

    def problems(self) -> list[str]:
        return [f"grids {o.children[0]} and {o.children[1]} overlap by {o.area_m2:,.1f} m²" for o in self.overlaps] + [
            f"grid {o.child} lies {o.area_m2:,.1f} m² outside its community" for o in self.outside
        ]

    def warnings(self) -> list[str]:
        return [f"community {g.community}: gap of {g.area_m2:,.1f} m² not covered by any grid" for g in self.gaps]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"refused": self.refused}


@dataclass(frozen=True)
class GridShape:
    code: str
    community: str
    geometry: BaseGeometry


def check_grid_import(
    communities: dict[str, BaseGeometry],
    imported: Sequence[GridShape],
    stored: Sequence[GridShape],
    tolerance_m2: float = 1.0,
) -> GridImportCheck:
    """Check grids to import against each other, against the stored grids they leave in place
    (`stored`: without those the import replaces), and against their communities (`communities`: at
    least those of the imported grids).  The tiling rule is the same as `check_coverage`'s."""
    check = GridImportCheck(tolerance_m2)
    everything = [*imported, *stored]
    codes = [g.code for g in everything]
    geoms = np.asarray([g.geometry for g in everything], dtype=object)
    is_imported = np.arange(len(everything)) < len(imported)
    check.overlaps = _overlaps(codes, geoms, tolerance_m2, involving=is_imported)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(everything):
        members.setdefault(g.community, []).append(i)
    for community in sorted({g.community for g in imported}):
        mine = np.asarray(members[community])
        new = mine[is_imported[mine]]
        parent = communities[community]
        check.outside += _outside(parent, [codes[i] for i in new], geoms[new], tolerance_m2)
        gaps = _gaps(parent, shapely.union_all(geoms[mine]), tolerance_m2)
        check.gaps += [CommunityGap(community, gap.area_m2, gap.geometry) for gap in gaps]
    return check
