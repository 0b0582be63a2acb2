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
from shapely.geometry import LineString, MultiPoint, box
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
def square_tilings(draw) -> tuple[dict[str, shapely.Geometry], int, float]:
    n = draw(st.integers(1, 6))
    side = SIZE / 8  # a power of two: every edge and vertex exact in floats
    cells = [(i, j) for i in range(n) for j in range(n)]
    dropped = draw(st.sets(st.sampled_from(cells), max_size=len(cells) // 3))
    codes = draw(st.permutations([f"41090200100{k:04d}" for k in range(len(cells))]))
    tiling = {
        code: box(X0 + i * side, Y0 + j * side, X0 + (i + 1) * side, Y0 + (j + 1) * side)
        for code, (i, j) in zip(codes, cells)
        if (i, j) not in dropped
    }
    return tiling, n, side


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
def lattice_walks(draw, n: int, side: float) -> list[tuple[float, float]]:
    """A walk along the squares' edges, from lattice vertex to lattice vertex."""
    i, j = draw(st.integers(0, n)), draw(st.integers(0, n))
    path = [(i, j)]
    for di, dj in draw(st.lists(st.sampled_from([(1, 0), (-1, 0), (0, 1), (0, -1)]), min_size=1, max_size=10)):
        i, j = min(max(i + di, 0), n), min(max(j + dj, 0), n)
        if (i, j) != path[-1]:
            path.append((i, j))
    return [(X0 + i * side, Y0 + j * side) for i, j in path]


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
def test_a_road_along_shared_square_edges_goes_to_the_lowest_code(data, tiling):
    cells, n, side = tiling
    coords = data.draw(lattice_walks(n, side))
    if len(coords) < 2:
        return
    line = LineString(coords)
    index, stretches = split(cells, line)
    assert_stretches_add_up(line, stretches)
    got = {None if s.grid == UNASSIGNED else index.codes[s.grid]: s.length_m for s in stretches}
    want = expected_lengths(cells, coords, reference_lat(line))
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
