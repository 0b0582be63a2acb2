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

from geo.crs import metres_per_degree, reference_lat

UNASSIGNED = -1
STRADDLE_EPS = 1e-9
CUT_EPS = 1e-12  # cuts closer than this share of a segment apart are one cut (rounding)


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
        """Split a road at grid boundaries: one stretch per grid (in code order), then what lies
        outside every grid (grid UNASSIGNED).

        Each straight segment of the road is cut where it meets a grid boundary, and each piece goes
        to the grid that covers it, else to the one containing its midpoint, lowest code first: a
        stretch along a shared edge goes to the lower code, like a point on it.  The pieces partition
        the road, so the stretches sum to it; what lies outside comes from the grids themselves (no
        grid holds the piece), never from subtracting pieces from the road, which floating point
        leaves whole.
        """
        starts, ends = _segments(line)
        if len(starts) == 0:
            return []
        lat = reference_lat(line)  # one scale for all pieces, so their lengths add up
        a, b = _cut_at_boundaries(self, starts, ends)
        pieces = shapely.linestrings(np.stack([a, b], axis=1))
        grid = self._grid_of_pieces(pieces, (a + b) / 2)
        kx, ky = metres_per_degree(lat)
        lengths = np.hypot((b[:, 0] - a[:, 0]) * kx, (b[:, 1] - a[:, 1]) * ky)
        stretches = []
        for gi in sorted(set(grid.tolist()), key=lambda g: (g == UNASSIGNED, g)):
            mine = grid == gi
            geometry = shapely.line_merge(shapely.multilinestrings(pieces[mine]))
            stretches.append(Stretch(gi, geometry, float(lengths[mine].sum())))
        return stretches

    def _grid_of_pieces(self, pieces: np.ndarray, midpoints: np.ndarray) -> np.ndarray:
        """The lowest-coded grid covering each piece; for pieces no grid covers exactly (their ends
        are computed cut points, a rounding away from the boundary), the one holding the midpoint."""
        grid = np.full(len(pieces), len(self.codes), dtype=np.int64)
        piece_idx, grid_idx = self.tree.query(pieces, predicate="covered_by")
        np.minimum.at(grid, piece_idx, grid_idx)
        loose = grid == len(self.codes)
        if loose.any():
            grid[loose] = self.assign_xy(midpoints[loose, 0], midpoints[loose, 1])
        return grid


def _segments(line: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points of every straight segment of a (multi)line, zero-length ones dropped."""
    starts, ends = [], []
    for part in shapely.get_parts(line):
        xy = shapely.get_coordinates(part)
        if len(xy) >= 2:
            starts.append(xy[:-1])
            ends.append(xy[1:])
    if not starts:
        return np.empty((0, 2)), np.empty((0, 2))
    a, b = np.concatenate(starts), np.concatenate(ends)
    keep = np.any(a != b, axis=1)
    return a[keep], b[keep]


def _cut_at_boundaries(index: GridIndex, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments a→b cut wherever they meet a grid boundary: the pieces' start and end points, in
    order along the road.  A cut is the point GEOS finds on the boundary, ordered by its parameter t
    along the segment; the road's own vertices stay as they are.  So a piece running along an edge
    ends exactly on the edge's vertices, and lies on the edge as exactly as the data does."""
    n = len(a)
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    seg_idx, grid_idx = index.tree.query(segments, predicate="intersects")
    touching = shapely.intersection(segments[seg_idx], shapely.boundary(index.geoms[grid_idx]))
    xy = shapely.get_coordinates(touching)
    owner = np.repeat(seg_idx, shapely.get_num_coordinates(touching))
    d = b[owner] - a[owner]
    t = np.einsum("ij,ij->i", xy - a[owner], d) / np.einsum("ij,ij->i", d, d)
    inner = (t > CUT_EPS) & (t < 1 - CUT_EPS)
    seg = np.concatenate([np.arange(n), np.arange(n), owner[inner]])
    t = np.concatenate([np.zeros(n), np.ones(n), t[inner]])
    points = np.concatenate([a, b, xy[inner]])
    order = np.lexsort((t, seg))
    seg, t, points = seg[order], t[order], points[order]
    keep = np.concatenate([[True], (seg[1:] != seg[:-1]) | (np.diff(t) > CUT_EPS)])  # a rounding apart: one cut
    seg, points = seg[keep], points[keep]
    same = seg[1:] == seg[:-1]
    return points[:-1][same], points[1:][same]
