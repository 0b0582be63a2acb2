"""geo.assign: points, polygons and roads to grids (pure, no database)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo.assign import UNASSIGNED, GridIndex
from geo.crs import length_m
from tests import fixtures as fx


@pytest.fixture(scope="module")
def index() -> GridIndex:
    return GridIndex(list(fx.GRIDS), list(fx.GRIDS.values()))


def code(index, i):
    return None if i == UNASSIGNED else index.codes[i]


def test_interior_points_go_to_the_grid_containing_them(index):
    x = [fx.X0 + 0.01, fx.X0 + 0.1, fx.X0 + 0.2, fx.X0 + 0.24]
    y = [fx.Y0 + 0.1, fx.Y0 + 0.01, fx.Y0 + 0.12, fx.Y0 + 0.001]
    got = [code(index, i) for i in index.assign_xy(x, y)]
    assert got == ["410902001001001", "410902001001004", "410922100201001", "410922100201002"]


def test_a_point_on_a_shared_edge_or_vertex_goes_to_the_lowest_code(index):
    centre = (fx.X0 + fx.H, fx.Y0 + fx.H)  # vertex shared by all four west grids
    edge = (fx.X0 + fx.H, fx.Y0 + 0.01)  # edge between 003 and 004
    diagonal = (fx.X0 + fx.W + 0.0625, fx.Y0 + 0.0625)  # on the east diagonal
    county_edge = (fx.X0 + fx.W, fx.Y0 + 0.1)  # between west 002 and east 001
    xs, ys = zip(centre, edge, diagonal, county_edge)
    got = [code(index, i) for i in index.assign_xy(np.array(xs), np.array(ys))]
    assert got == ["410902001001001", "410902001001003", "410922100201001", "410902001001002"]


def test_a_point_outside_every_grid_is_unassigned_not_dropped(index):
    got = index.assign_xy([fx.X0 - 1, fx.X0 + 0.01], [fx.Y0, fx.Y0 + 0.01])
    assert len(got) == 2 and got[0] == UNASSIGNED and got[1] != UNASSIGNED


def test_a_polygon_goes_to_the_grid_it_overlaps_most_and_is_flagged_when_it_straddles(index):
    straddling = box(fx.X0 + fx.H - 0.001, fx.Y0 + 0.01, fx.X0 + fx.H + 0.003, fx.Y0 + 0.012)
    inside = box(fx.X0 + 0.01, fx.Y0 + 0.01, fx.X0 + 0.02, fx.Y0 + 0.02)
    half_out = box(fx.X0 - 0.01, fx.Y0 + 0.01, fx.X0 + 0.002, fx.Y0 + 0.02)
    outside = box(fx.X0 - 0.1, fx.Y0, fx.X0 - 0.05, fx.Y0 + 0.01)
    a, b, c, d = index.assign_polygons([straddling, inside, half_out, outside])
    assert code(index, a.grid) == "410902001001004" and a.share == pytest.approx(0.75) and a.straddles
    assert code(index, b.grid) == "410902001001003" and b.share == pytest.approx(1.0) and not b.straddles
    assert code(index, c.grid) == "410902001001003" and c.share == pytest.approx(2 / 12) and c.straddles
    assert d.grid == UNASSIGNED


def test_a_road_is_split_at_grid_boundaries_and_stretches_sum_to_the_whole(index):
    stretches = index.split_line(fx.ROAD)
    grids = [code(index, s.grid) for s in stretches]
    assert grids == ["410902001001001", "410902001001002", "410922100201001", "410922100201002"]
    assert sum(s.length_m for s in stretches) == pytest.approx(length_m(fx.ROAD), rel=1e-9)
    for s in stretches:
        assert index.geoms[s.grid].buffer(1e-9).covers(s.geometry)  # cut points are rounded


def test_a_road_along_a_shared_edge_goes_to_the_lowest_code_and_is_counted_once(index):
    along = LineString([(fx.X0 + fx.H, fx.Y0 + 0.01), (fx.X0 + fx.H, fx.Y0 + 0.05)])  # edge 003|004
    stretches = index.split_line(along)
    assert [code(index, s.grid) for s in stretches] == ["410902001001003"]
    assert sum(s.length_m for s in stretches) == pytest.approx(length_m(along), rel=1e-9)


def test_the_part_of_a_road_outside_every_grid_is_kept_as_an_unassigned_stretch(index):
    road = LineString([(fx.X0 - 0.05, fx.Y0 + 0.01), (fx.X0 + 0.05, fx.Y0 + 0.01)])
    stretches = index.split_line(road)
    assert stretches[-1].grid == UNASSIGNED
    assert sum(s.length_m for s in stretches) == pytest.approx(length_m(road), rel=1e-9)


def test_bulk_assignment_agrees_with_a_plain_loop_over_polygons(index):
    rng = np.random.default_rng(7)
    x = rng.uniform(fx.X0 - 0.01, fx.X0 + 2 * fx.W + 0.01, 5000)
    y = rng.uniform(fx.Y0 - 0.01, fx.Y0 + fx.W + 0.01, 5000)
    got = index.assign_xy(x, y)
    for xi, yi, gi in zip(x[:500], y[:500], got[:500]):
        hits = [i for i, g in enumerate(index.geoms) if g.covers(Point(xi, yi))]
        assert gi == (min(hits) if hits else UNASSIGNED)


def test_index_sorts_grids_by_code_whatever_order_they_come_in():
    codes = list(fx.GRIDS)[::-1]
    index = GridIndex(codes, [fx.GRIDS[c] for c in codes])
    assert index.codes == sorted(fx.GRIDS)
    assert shapely.equals(index.geoms[0], fx.GRIDS[sorted(fx.GRIDS)[0]])
