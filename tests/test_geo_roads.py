"""Roads split at grid boundaries, checked as properties over random tilings (pure, no database).

Tilings: Voronoi cells clipped to a box (like real grids: vertices nowhere near the road's) and
squares (edges exact in floats, for roads that run along them); some cells may be missing, leaving
holes.  Roads: random polylines, partly outside the tiling, or walks along the cells' own edges.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPoint, Polygon, box
from shapely.ops import voronoi_diagram

from geo.assign import UNASSIGNED, GridIndex
from geo.crs import length_m, reference_lat

X0, Y0, SIZE = 115.0, 35.75, 1 / 32  # about 3 km across
BOX = box(X0, Y0, X0 + SIZE, Y0 + SIZE)
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

lattice = st.integers(0, 1000).map(lambda k: k / 1000)
seeds = st.lists(st.tuples(lattice, lattice), min_size=3, max_size=25, unique=True)


def voronoi(points, dropped: set[int]) -> dict[str, shapely.Geometry]:
    sites = MultiPoint([(X0 + x * SIZE, Y0 + y * SIZE) for x, y in points])
    cells = [c.intersection(BOX) for c in voronoi_diagram(sites, envelope=BOX).geoms]
    cells = [c for c in cells if c.geom_type == "Polygon" and c.area > 0]
    return {f"41090200100{i:04d}": c for i, c in enumerate(cells) if i not in dropped}


@st.composite
def voronoi_tilings(draw) -> dict[str, shapely.Geometry]:
    points = draw(seeds)
    xs, ys = zip(*points)
    assume(len(set(xs)) > 1 and len(set(ys)) > 1)  # GEOS cannot build cells for sites all in a row
    dropped = draw(st.sets(st.integers(0, len(points) - 1), max_size=len(points) // 3))
    tiling = voronoi(points, dropped)
    # Codes in an order unrelated to the positions: "lowest code" must not follow the geometry.
    codes = draw(st.permutations(sorted(tiling)))
    return dict(zip(codes, tiling.values()))


@st.composite
def square_tilings(draw) -> tuple[dict[str, shapely.Geometry], int, tuple[float, float]]:
    """Rectangles in an n × n lattice, or each cut along its SW–NE diagonal into two triangles (edges
    no axis holds); each lattice vertex is computed once, so neighbours share their edges exactly."""
    n = draw(st.integers(1, 6))
    sx, sy = SIZE / 8, SIZE / 16  # powers of two: every vertex exact, so the lattice is exactly straight
    triangles = draw(st.booleans())

    def xy(i: int, j: int) -> tuple[float, float]:
        return X0 + i * sx, Y0 + j * sy

    shapes = []
    for i in range(n):
        for j in range(n):
            sw, se, ne, nw = xy(i, j), xy(i + 1, j), xy(i + 1, j + 1), xy(i, j + 1)
            shapes += [Polygon([sw, se, ne]), Polygon([sw, ne, nw])] if triangles else [Polygon([sw, se, ne, nw])]
    dropped = draw(st.sets(st.integers(0, len(shapes) - 1), max_size=len(shapes) // 3))
    codes = draw(st.permutations([f"41090200100{k:04d}" for k in range(len(shapes))]))
    tiling = {code: g for k, (code, g) in enumerate(zip(codes, shapes)) if k not in dropped}
    return tiling, n, (sx, sy)


# Road vertices as GeoJSON gives them (7 decimals, about 1 cm), a fifth of the box beyond each side.
road_coordinate = st.integers(-62_500, 375_000).map(lambda k: k / 10**7)
polylines = st.lists(st.tuples(road_coordinate, road_coordinate), min_size=2, max_size=8).map(
    lambda pts: [(X0 + x, Y0 + y) for x, y in pts]
)


def split(tiling: dict, line: LineString):
    index = GridIndex(list(tiling), list(tiling.values()))
    return index, index.split_line(line)


def close(value: float, rel: float):
    return pytest.approx(value, rel=rel, abs=1e-6)  # a micrometre: slivers of degenerate cells


def assert_stretches_add_up(line, stretches):
    assert sum(s.length_m for s in stretches) == close(length_m(line), 1e-9)


def assert_outside_every_grid(geometry, tiling: dict) -> None:
    """No straight piece of an unassigned stretch has its midpoint inside a grid (pieces, not merged
    parts: a road that doubles back merges into parts whose midpoint is a cut point)."""
    xy = [shapely.get_coordinates(part) for part in shapely.get_parts(geometry)]
    midpoints = shapely.points(np.concatenate([(c[:-1] + c[1:]) / 2 for c in xy]))
    grids = np.asarray(list(tiling.values()), dtype=object)
    inside = shapely.contains(grids[:, None], midpoints[None, :])
    assert not inside.any(), midpoints[inside.any(axis=0)]


def segmentwise(line: LineString, lat: float, overlay) -> float:
    """The length of an overlay of the road, segment by segment (a road may run over itself)."""
    coords = list(line.coords)
    pieces = [overlay(LineString([a, b])) for a, b in zip(coords, coords[1:]) if a != b]
    return sum(length_m(p, lat) for p in pieces if not p.is_empty)


@PROPERTIES
@given(tiling=voronoi_tilings(), points=polylines)
def test_a_road_over_voronoi_grids_splits_into_stretches_that_sum_to_it(tiling, points):
    line = LineString(points)
    if line.length == 0:
        return
    index, stretches = split(tiling, line)
    assert_stretches_add_up(line, stretches)
    lat = reference_lat(line)
    for s in stretches:
        if s.grid == UNASSIGNED:
            assert_outside_every_grid(s.geometry, tiling)
        else:
            grid = index.geoms[s.grid]
            assert grid.buffer(1e-9).covers(s.geometry)
            # A road in general position: each grid's stretch is the road's intersection with it.
            assert s.length_m == close(segmentwise(line, lat, grid.intersection), 1e-7)
    union = shapely.union_all(list(tiling.values()))
    unassigned = sum(s.length_m for s in stretches if s.grid == UNASSIGNED)
    assert unassigned == close(segmentwise(line, lat, lambda g: g.difference(union)), 1e-7)
    assert len({s.grid for s in stretches}) == len(stretches)  # one stretch per grid


@PROPERTIES
@given(tiling=square_tilings(), points=polylines)
def test_a_road_over_square_grids_splits_into_stretches_that_sum_to_it(tiling, points):
    cells, _, _ = tiling
    line = LineString(points)
    if line.length == 0:
        return
    index, stretches = split(cells, line)
    assert_stretches_add_up(line, stretches)
    for s in stretches:
        if s.grid == UNASSIGNED:
            assert_outside_every_grid(s.geometry, cells)
        else:
            assert index.geoms[s.grid].buffer(1e-9).covers(s.geometry)


@st.composite
def lattice_walks(draw, n: int) -> list[tuple[int, int]]:
    """A walk along the cells' edges (and the rectangles' diagonals), lattice vertex to lattice vertex,
    up to 3 cells a stride (a stride across several cells is cut inside the road's segment, at their
    corners)."""
    i, j = draw(st.integers(0, n)), draw(st.integers(0, n))
    path = [(i, j)]
    strides = st.tuples(st.sampled_from([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1)]), st.integers(1, 3))
    for (di, dj), k in draw(st.lists(strides, min_size=1, max_size=8)):
        k = min(k, *(n - c if d > 0 else c for c, d in ((i, di), (j, dj)) if d))  # stay in the lattice
        i, j = i + k * di, j + k * dj
        if (i, j) != path[-1]:
            path.append((i, j))
    return path


def unit_steps(path: list[tuple[int, int]]):
    """The walk one square side at a time."""
    for (i0, j0), (i1, j1) in zip(path, path[1:]):
        di, dj = (i1 > i0) - (i1 < i0), (j1 > j0) - (j1 < j0)
        for k in range(max(abs(i1 - i0), abs(j1 - j0))):
            yield (i0 + k * di, j0 + k * dj), (i0 + (k + 1) * di, j0 + (k + 1) * dj)


def expected_owner(tiling: dict, segment: LineString) -> str | None:
    """The lowest code among the grids whose edge (or interior) holds the segment."""
    holders = sorted(code for code, g in tiling.items() if g.covers(segment))
    return holders[0] if holders else None


def expected_lengths(tiling: dict, coords, lat: float) -> dict:
    out: dict = {}
    for a, b in zip(coords, coords[1:]):
        segment = LineString([a, b])
        if segment.length == 0:
            continue
        owner = expected_owner(tiling, segment)
        out[owner] = out.get(owner, 0.0) + length_m(segment, lat)
    return out


@PROPERTIES
@given(data=st.data(), tiling=square_tilings())
def test_a_road_along_shared_edges_of_a_lattice_goes_to_the_lowest_code(data, tiling):
    cells, n, (sx, sy) = tiling
    path = data.draw(lattice_walks(n))
    if len(path) < 2:
        return
    line = LineString([(X0 + i * sx, Y0 + j * sy) for i, j in path])
    index, stretches = split(cells, line)
    assert_stretches_add_up(line, stretches)
    got = {None if s.grid == UNASSIGNED else index.codes[s.grid]: s.length_m for s in stretches}
    steps = [[(X0 + i * sx, Y0 + j * sy) for i, j in step] for step in unit_steps(path)]
    want: dict = {}
    for a, b in steps:
        segment = LineString([a, b])
        owner = expected_owner(cells, segment)
        want[owner] = want.get(owner, 0.0) + length_m(segment, reference_lat(line))
    assert got.keys() == want.keys()
    for owner, length in want.items():
        assert got[owner] == close(length, 1e-9)


@PROPERTIES
@given(data=st.data(), tiling=voronoi_tilings())
def test_a_road_along_shared_voronoi_edges_goes_to_the_lowest_code(data, tiling):
    # The road follows one cell's boundary with the cell's own vertices, as far as it likes.
    code = data.draw(st.sampled_from(sorted(tiling)))
    ring = list(tiling[code].exterior.coords)[:-1]
    start = data.draw(st.integers(0, len(ring) - 1))
    steps = data.draw(st.integers(1, len(ring)))
    coords = [ring[(start + k) % len(ring)] for k in range(steps + 1)]
    line = LineString(coords)
    index, stretches = split(tiling, line)
    assert_stretches_add_up(line, stretches)
    got = {None if s.grid == UNASSIGNED else index.codes[s.grid]: s.length_m for s in stretches}
    want = expected_lengths(tiling, coords, reference_lat(line))
    assert got.keys() == want.keys()
    for owner, length in want.items():
        assert got[owner] == close(length, 1e-9)


def test_a_road_whose_vertices_lie_inside_voronoi_grids_has_no_phantom_outside_stretch():
    # The defect seen on real data: the stretches added up to about twice the road.
    rng = np.random.default_rng(1)
    tiling = voronoi([tuple(p) for p in rng.uniform(0, 1, (30, 2))], set())
    line = LineString([(X0 + x * SIZE, Y0 + y * SIZE) for x, y in rng.uniform(0.05, 0.95, (6, 2))])
    _, stretches = split(tiling, line)
    assert UNASSIGNED not in {s.grid for s in stretches}
    assert sum(s.length_m for s in stretches) == close(length_m(line), 1e-9)
