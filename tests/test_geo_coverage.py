"""geo.coverage: gaps, overlaps, parts outside, invalid children (pure)."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon, box, shape

from geo.coverage import check_coverage
from geo.crs import area_m2
from tests import fixtures as fx


def children(geoms: dict):
    return list(geoms.items())


def test_a_proper_tiling_is_valid():
    report = check_coverage("410902001001", fx.WEST, children(fx.WEST_GRIDS))
    assert report.valid and not (report.gaps or report.overlaps or report.outside or report.invalid)
    assert report.covered_m2 == pytest.approx(report.area_m2)
    assert report.area_m2 == pytest.approx(11_300 * 13_900, rel=0.02)  # 0.125° × 0.125° at 35.8° N


def test_a_planted_gap_is_found_with_its_area():
    hole = box(fx.X0 + 0.01, fx.Y0 + 0.01, fx.X0 + 0.011, fx.Y0 + 0.011)  # about 90 m × 111 m
    grids = dict(fx.WEST_GRIDS)
    grids["410902001001003"] = grids["410902001001003"].difference(hole)
    report = check_coverage("410902001001", fx.WEST, children(grids))
    assert not report.valid and len(report.gaps) == 1
    assert report.gaps[0].area_m2 == pytest.approx(float(area_m2(hole)), rel=0.01)
    assert shape(report.gaps[0].geometry).equals(hole)


def test_a_planted_overlap_names_both_grids_with_its_area():
    grids = dict(fx.WEST_GRIDS)
    extra = box(fx.X0 + fx.H, fx.Y0, fx.X0 + fx.H + 0.002, fx.Y0 + fx.H)  # 003 pushed into 004
    grids["410902001001003"] = grids["410902001001003"].union(extra)
    report = check_coverage("410902001001", fx.WEST, children(grids))
    assert not report.valid and not report.gaps
    assert [o.children for o in report.overlaps] == [["410902001001003", "410902001001004"]]
    assert report.overlaps[0].area_m2 == pytest.approx(float(area_m2(extra)), rel=0.01)


def test_a_child_sticking_out_of_its_parent_is_reported():
    grids = dict(fx.WEST_GRIDS)
    out = box(fx.X0 - 0.001, fx.Y0, fx.X0, fx.Y0 + fx.H)
    grids["410902001001003"] = grids["410902001001003"].union(out)
    report = check_coverage("410902001001", fx.WEST, children(grids))
    assert [o.child for o in report.outside] == ["410902001001003"]
    assert report.outside[0].area_m2 == pytest.approx(float(area_m2(out)), rel=0.01)


def test_an_invalid_child_is_reported_not_crashed_on():
    grids = dict(fx.WEST_GRIDS)
    grids["410902001001003"] = Polygon(
        [(fx.X0, fx.Y0), (fx.X0 + fx.H, fx.Y0 + fx.H), (fx.X0 + fx.H, fx.Y0), (fx.X0, fx.Y0 + fx.H)]
    )
    report = check_coverage("410902001001", fx.WEST, children(grids))
    assert not report.valid and report.invalid[0].child == "410902001001003"
    assert "Self-intersection" in report.invalid[0].reason


def test_slivers_below_the_tolerance_are_ignored_and_above_it_reported():
    grids = dict(fx.WEST_GRIDS)
    sliver = box(fx.X0 + 0.01, fx.Y0 + 0.01, fx.X0 + 0.01 + 1e-5, fx.Y0 + 0.01 + 1e-5)  # about 1.1 m²
    grids["410902001001003"] = grids["410902001001003"].difference(sliver)
    assert check_coverage("c", fx.WEST, children(grids), tolerance_m2=2.0).valid
    assert not check_coverage("c", fx.WEST, children(grids), tolerance_m2=0.5).valid


def test_no_children_is_not_a_valid_coverage():
    assert not check_coverage("c", fx.WEST, []).valid
