"""Assigning things to grids, in bulk.

The fixed rule for ties: a point on an edge or vertex shared by several grids goes to the grid with
the lowest code.  The database path (`gridflow.spatial`) applies the same rule, so both give the
same answer for every point, boundaries included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo.crs import length_m, reference_lat

UNASSIGNED = -1
STRADDLE_EPS = 1e-9


@dataclass(frozen=True)
class PolygonAssignment:
    grid: int  # index into GridIndex.codes, or UNASSIGNED
    share: float  # share of the polygon's area inside that grid
    straddles: bool  # some of it lies in another grid or outside every grid


@dataclass(frozen=True)
class Stretch:
    grid: int  # index into GridIndex.codes, or UNASSIGNED for a part outside every grid
    geometry: BaseGeometry  # LineString or MultiLineString
    length_m: float


class GridIndex:
    """Grids sorted by code, with a spatial index; answers are indexes into `codes`."""

    def __init__(self, codes: Sequence[str], geoms: Sequence[BaseGeometry]):
        if len(codes) != len(geoms):
            raise ValueError("codes and geoms differ in length")
        order = np.argsort(np.asarray(codes, dtype=object), kind="stable")
        self.codes: list[str] = [codes[i] for i in order]
        self.geoms = np.asarray(geoms, dtype=object)[order]
        shapely.prepare(self.geoms)
        self.tree = STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.codes)

    # -- points -----------------------------------------------------------------------------
    def assign_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Grid index for each (x, y), UNASSIGNED where no grid covers it."""
        return self.assign_points(shapely.points(np.asarray(x, float), np.asarray(y, float)))

    def assign_points(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=object)
        result = np.full(len(points), UNASSIGNED, dtype=np.int64)
        if len(points) == 0 or len(self.codes) == 0:
            return result
        # "intersects" includes the boundary, so an edge point matches every grid touching it.
        # Querying the prebuilt grid tree measured fastest on real-shaped cells (bench/spatial.py).
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        result[point_idx] = grid_idx
        hits = np.bincount(point_idx, minlength=len(points))
        if hits.max(initial=0) > 1:  # boundary points: lowest code (= lowest index) wins
            shared = hits[point_idx] > 1
            np.minimum.at(result, point_idx[shared], grid_idx[shared])
        return result

    # -- polygons -----------------------------------------------------------------------------
    def assign_polygons(self, polygons: Sequence[BaseGeometry]) -> list[PolygonAssignment]:
        """Each polygon goes to the grid it overlaps most (ties: lowest code).

        Shares are ratios of areas in lon/lat; over a building-sized polygon the map to metres is
        affine to within parts per million, so the ratio equals the one in metres.
        """
        shapes = np.asarray(polygons, dtype=object)
        out = [PolygonAssignment(UNASSIGNED, 0.0, False)] * len(shapes)
        if len(shapes) == 0 or len(self.codes) == 0:
            return out
        poly_idx, grid_idx = self.tree.query(shapes, predicate="intersects")
        overlap = shapely.area(shapely.intersection(shapes[poly_idx], self.geoms[grid_idx]))
        areas = shapely.area(shapes)
        best: dict[int, tuple[float, int]] = {}
        for p, gi, a in zip(poly_idx.tolist(), grid_idx.tolist(), overlap.tolist()):
            cur = best.get(p)
            if cur is None or a > cur[0] or (a == cur[0] and gi < cur[1]):
                best[p] = (a, gi)
        for p, (a, gi) in best.items():
            share = float(a / areas[p]) if areas[p] > 0 else 1.0
            if a <= 0:
                continue  # touches a grid only along its edge
            out[p] = PolygonAssignment(gi, share, share < 1 - STRADDLE_EPS)
        return out

    # -- roads ----------------------------------------------------------------------------------
    def split_line(self, line: BaseGeometry) -> list[Stretch]:
        """Split a road at grid boundaries.

        Grids are taken in code order and each takes what is left of the road inside it, so a
        stretch running along a shared edge goes to the lowest code and the stretches always sum
        to the whole road.  What lies outside every grid is one stretch with grid UNASSIGNED.
        """
        remaining = line
        lat = reference_lat(line)  # one scale for all pieces, so their lengths add up
        stretches: list[Stretch] = []
        for gi in sorted(self.tree.query(line, predicate="intersects").tolist()):
            if remaining.is_empty:
                break
            piece = _linear_part(shapely.intersection(remaining, self.geoms[gi]))
            if piece is None:
                continue
            stretches.append(Stretch(gi, piece, length_m(piece, lat)))
            remaining = shapely.difference(remaining, piece)
        rest = _linear_part(remaining)
        if rest is not None:
            stretches.append(Stretch(UNASSIGNED, rest, length_m(rest, lat)))
        return stretches


def _linear_part(geom: BaseGeometry) -> BaseGeometry | None:
    """The line part of an intersection result (dropping stray points), merged, or None."""
    if geom.is_empty:
        return None
    parts = shapely.get_parts(shapely.get_parts(geom))  # twice: collections may nest multi-parts
    parts = [g for g in parts if g.geom_type in ("LineString", "LinearRing")]
    parts = [g for g in parts if g.length > 0]
    if not parts:
        return None
    merged = shapely.line_merge(shapely.multilinestrings(parts))
    return merged
