"""coverage through the CLI and the database, both back ends."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box, shape

from geo.crs import area_m2
from tests import fixtures as fx
from tests.helpers import invoke, load_fixture_city, write_json


def coverage(runner, code, *extra):
    result = invoke(runner, "coverage", code, "--json", *extra)
    return result.exit_code, json.loads(result.output)


def test_every_division_of_the_fixture_city_is_covered(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    for code in ("410900", "410902", "410922", "410902001", "410922100", "410902001001", "410922100201"):
        status, report = coverage(runner, code)
        assert status == 0 and report["valid"], report
        assert set(report) >= {"division", "valid", "area_m2", "covered_m2", "gaps", "overlaps", "outside"}


def test_a_planted_gap_and_overlap_are_found_in_stored_grids(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    hole = box(fx.X0 + 0.01, fx.Y0 + 0.01, fx.X0 + 0.012, fx.Y0 + 0.011)
    extra = box(fx.X0 + fx.H, fx.Y0 + fx.H, fx.X0 + fx.H + 0.001, fx.Y0 + fx.W)  # 001 into 002
    geoms = dict(fx.GRIDS)
    geoms["410902001001003"] = geoms["410902001001003"].difference(hole)
    geoms["410902001001001"] = geoms["410902001001001"].union(extra)
    path = write_json(tmp_path, "g.geojson", fx.grids(geoms))
    assert invoke(runner, "import-grids", path, "--allow-overlaps").exit_code == 0  # refused without it
    status, report = coverage(runner, "410902001001")
    assert status != 0 and not report["valid"]
    assert len(report["gaps"]) == 1 and report["gaps"][0]["area_m2"] == pytest.approx(float(area_m2(hole)), rel=0.01)
    assert shape(report["gaps"][0]["geometry"]).equals(hole)
    [overlap] = report["overlaps"]
    assert overlap["children"] == ["410902001001001", "410902001001002"]
    assert overlap["area_m2"] == pytest.approx(float(area_m2(extra)), rel=0.01)
    assert report["outside"] == []


def test_all_grids_below_a_city_can_be_checked_at_once(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    status, report = coverage(runner, "410900", "--children", "grids")
    assert status == 0 and report["children"] == 6


def test_unknown_division_is_a_clear_error(runner, tmp_path):
    result = invoke(runner, "coverage", "999999")
    assert result.exit_code == 1 and "no division with code 999999" in result.output
