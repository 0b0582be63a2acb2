"""Imports, exports and reassignment through the CLI, on both back ends."""

from __future__ import annotations

import copy
import json

import pytest
from shapely.geometry import LineString, MultiLineString, box, shape
from sqlalchemy import select

from geo.crs import area_m2, from_wgs84, length_m
from gridflow.models import Entity, RoadStretch
from gridflow.spatial import to_db
from tests import fixtures as fx
from tests.helpers import counts, invoke, load_fixture_city, write_json


def export(runner, *args) -> dict:
    result = invoke(runner, "export", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_imports_store_everything_and_assign_entities(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path)
    assert counts(db) == {"division": 7, "grid": 6, "worker": 6, "entity": 5, "road_stretch": 4}
    entities = {
        f["properties"]["ref"]: f["properties"]
        for f in export(runner, "entities")["features"]
        if f["properties"]["kind"] != "road"
    }
    assert entities["H1"]["grid"] == "410902001001001"
    assert entities["S1"]["grid"] == "410902001001004"
    assert entities["U1"]["grid"] == "410902001001004" and entities["U1"]["straddles"]
    assert entities["U1"]["share"] == pytest.approx(0.75)
    assert entities["S-out"]["grid"] is None and entities["S-out"]["unassigned_reason"] == "outside every grid"


def test_roads_export_one_feature_per_stretch_summing_to_the_road(runner, tmp_path):
    load_fixture_city(runner, tmp_path)
    roads = [f["properties"] for f in export(runner, "entities")["features"] if f["properties"]["kind"] == "road"]
    assert [r["grid"] for r in roads] == ["410902001001001", "410902001001002", "410922100201001", "410922100201002"]
    assert {r["ref"] for r in roads} == {"R1"}
    assert sum(r["length_m"] for r in roads) == pytest.approx(length_m(fx.ROAD), abs=0.01)


@pytest.mark.parametrize("what", ["divisions", "grids", "entities"])
def test_export_then_import_round_trips(runner, tmp_path, db, what):
    load_fixture_city(runner, tmp_path)
    args = [what] + (["--whole-roads"] if what == "entities" else [])
    first = export(runner, *args)
    before = counts(db)
    result = invoke(runner, f"import-{what}", write_json(tmp_path, "again.geojson", first))
    assert result.exit_code == 0, result.output
    assert "0 created" in result.output
    assert counts(db) == before
    again = export(runner, *args)
    assert again == first


def test_export_can_be_limited_to_a_division(runner, tmp_path):
    load_fixture_city(runner, tmp_path)
    grids = export(runner, "grids", "--division", "410922")["features"]
    assert {f["properties"]["code"] for f in grids} == {"410922100201001", "410922100201002"}
    divisions = export(runner, "divisions", "--division", "410900")["features"]
    assert len(divisions) == 7


def test_reimport_updates_by_code(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    data = fx.divisions()
    data["features"][1]["properties"]["name"] = "华龙区（新）"
    result = invoke(runner, "import-divisions", write_json(tmp_path, "d2.geojson", data))
    assert result.exit_code == 0 and "0 created, 7 updated" in result.output
    names = {f["properties"]["code"]: f["properties"]["name"] for f in export(runner, "divisions")["features"]}
    assert names["410902"] == "华龙区（新）"


def test_changing_grids_reassigns_entities_and_reports_the_moves(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path)
    # Move the boundary between 003 and 004 east so that the shop S1 now lies in 003.
    geoms = dict(fx.GRIDS)
    shift = 0.05
    geoms["410902001001003"] = box(fx.X0, fx.Y0, fx.X0 + fx.H + shift, fx.Y0 + fx.H)
    geoms["410902001001004"] = box(fx.X0 + fx.H + shift, fx.Y0, fx.X0 + fx.W, fx.Y0 + fx.H)
    result = invoke(runner, "import-grids", write_json(tmp_path, "g2.geojson", fx.grids(geoms)))
    assert result.exit_code == 0, result.output
    assert "S1: 410902001001004 → 410902001001003" in result.output
    assert "U1: 410902001001004 → 410902001001003" in result.output
    entities = {
        f["properties"]["ref"]: f["properties"]["grid"]
        for f in export(runner, "entities")["features"]
        if f["properties"]["kind"] != "road"
    }
    assert entities["S1"] == "410902001001003" and entities["H1"] == "410902001001001"


def test_gcj02_input_is_converted_to_wgs84(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    true_point = shape({"type": "Point", "coordinates": [fx.X0 + fx.H - 0.001, fx.Y0 + 0.01]})  # in 003, 90 m from 004
    gcj = from_wgs84(true_point, "gcj02")
    assert gcj.x - true_point.x > 0.004  # the web-map offset is several hundred metres here
    data = fx.fc([fx.feature(gcj, kind="shop", ref="S9", name="小店")])
    path = write_json(tmp_path, "gcj.geojson", data)
    assert invoke(runner, "import-entities", path, "--crs", "gcj02").exit_code == 0
    props = export(runner, "entities")["features"][0]
    assert props["properties"]["grid"] == "410902001001003"
    assert props["geometry"]["coordinates"] == pytest.approx([true_point.x, true_point.y], abs=1e-7)
    # Read as WGS-84 by mistake, the same point lands in the neighbouring grid.
    assert invoke(runner, "import-entities", path).exit_code == 0
    assert export(runner, "entities")["features"][0]["properties"]["grid"] == "410902001001004"


# -- bad input: exit non-zero, name the feature and the problem, store nothing ------------------


def _bowtie():
    return {
        "type": "Polygon",
        "coordinates": [[[115.0, 35.75], [115.01, 35.76], [115.01, 35.75], [115.0, 35.76], [115.0, 35.75]]],
    }


def _bad_divisions():
    base = fx.divisions()

    def with_change(i, **changes):
        data = copy.deepcopy(base)
        for key, value in changes.items():
            if key == "geometry":
                data["features"][i]["geometry"] = value
            elif value is None:
                data["features"][i]["properties"].pop(key, None)
            else:
                data["features"][i]["properties"][key] = value
        return data

    out_of_range = {"type": "Polygon", "coordinates": [[[190, 35], [191, 35], [191, 36], [190, 35]]]}
    dup = copy.deepcopy(base)
    dup["features"].append(copy.deepcopy(base["features"][3]))
    return [
        ("not json", "{not json", "not valid JSON"),
        ("not a collection", {"type": "Feature"}, "not a GeoJSON FeatureCollection"),
        ("missing name", with_change(2, name=None), "feature 2: missing property 'name'"),
        ("bad level", with_change(2, level="province"), "feature 2: level 'province'"),
        ("short code", with_change(3, code="41090201"), "feature 3: code '41090201': a street code has 9 digits"),
        (
            "unknown parent",
            with_change(3, code="410903001", parent_code="410903"),
            "feature 3: unknown parent_code 410903",
        ),
        ("self-intersecting", with_change(5, geometry=_bowtie()), "feature 5: invalid geometry: Self-intersection"),
        ("out of range", with_change(1, geometry=out_of_range), "feature 1: coordinates out of range"),
        (
            "wrong geometry type",
            with_change(1, geometry={"type": "Point", "coordinates": [115, 35]}),
            "feature 1: geometry type 'Point' not allowed",
        ),
        ("duplicate code", dup, "feature 7: duplicate code '410902001'"),
        (
            "malformed coordinates",
            with_change(1, geometry={"type": "Polygon", "coordinates": [[1, 2]]}),
            "feature 1: malformed geometry",
        ),
    ]


@pytest.mark.parametrize("label,data,message", _bad_divisions(), ids=[c[0] for c in _bad_divisions()])
def test_bad_division_files_are_rejected_whole(runner, tmp_path, db, label, data, message):
    result = invoke(runner, "import-divisions", write_json(tmp_path, "bad.geojson", data))
    assert result.exit_code != 0
    assert message in result.output
    assert counts(db)["division"] == 0


def test_a_bad_feature_late_in_the_file_leaves_earlier_ones_unstored(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    before = counts(db)
    data = fx.entities()
    data["features"].append(fx.feature(fx.ROAD, kind="shop", ref="S2", name="x"))
    result = invoke(runner, "import-entities", write_json(tmp_path, "e.geojson", data))
    assert (
        result.exit_code != 0
        and "feature 5: geometry type 'LineString' not allowed here (expected Point)" in result.output
    )
    assert counts(db) == before


@pytest.mark.parametrize(
    "change,message",
    [
        ({"code": "41090200100100"}, "feature 0: grid code '41090200100100' must be 15 digits"),
        ({"code": "410902001009001"}, "feature 0: grid 410902001009001: unknown community 410902001009"),
        ({"kind": "special"}, "feature 0: kind 'special' must be one of basic, dedicated"),
        ({"worker": "NOBODY"}, "feature 0: unknown worker 'NOBODY'"),
    ],
)
def test_bad_grid_files_are_rejected_whole(runner, tmp_path, db, change, message):
    load_fixture_city(runner, tmp_path, with_entities=False)
    before = counts(db)
    data = fx.grids()
    data["features"][0]["properties"].update(change)
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", data))
    assert result.exit_code != 0 and message in result.output
    assert counts(db) == before


def test_a_grid_without_a_worker_is_reported(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    data = fx.grids()
    del data["features"][2]["properties"]["worker"]
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", data))
    assert result.exit_code == 0 and "1 grid(s) without an owning worker: 410902001001003" in result.output
    coverage = invoke(runner, "coverage", "410902001001", "--json")
    assert json.loads(coverage.output)["grids_without_owner"] == ["410902001001003"]
    assert "410902001001003" not in invoke(runner, "coverage", "410922", "--json").output


@pytest.mark.parametrize(
    "props,message",
    [
        ({"kind": "tower", "ref": "X", "name": "x"}, "kind 'tower' must be one of"),
        ({"kind": "residence", "name": "x"}, "missing property 'ref'"),
        ({"kind": "residence", "ref": "X", "name": "x", "households": -3}, "'households' must be a whole number"),
        ({"kind": "residence", "ref": "X", "name": "x", "residents": "many"}, "'residents' must be a whole number"),
    ],
)
def test_bad_entity_properties_are_named(runner, tmp_path, db, props, message):
    data = fx.fc(
        [fx.feature(box(115, 35.75, 115.001, 35.751) if props["kind"] == "unit" else fx.ROAD.centroid, **props)]
    )
    result = invoke(runner, "import-entities", write_json(tmp_path, "e.geojson", data))
    assert result.exit_code != 0 and "feature 0" in result.output and message in result.output
    assert counts(db)["entity"] == 0


def test_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = invoke(runner, "import-grids", str(tmp_path / "nope.geojson"))
    assert result.exit_code != 0 and "cannot read" in result.output


def test_reimporting_unchanged_grids_rewrites_nothing(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path)
    with db.session() as s:
        before = sorted(s.scalars(select(RoadStretch.id)))
    result = invoke(runner, "import-grids", write_json(tmp_path, "same.geojson", fx.grids()))
    assert result.exit_code == 0 and "moved" not in result.output
    with db.session() as s:
        assert sorted(s.scalars(select(RoadStretch.id))) == before  # not deleted and re-inserted


# A road whose vertices lie nowhere near grid edges (any real road): no stretch "outside every grid".
CROSSING = LineString([(fx.X0 + 0.0123457, fx.Y0 + 0.0234567), (fx.X0 + 0.2012345, fx.Y0 + 0.1101234)])


def road_stretches(runner) -> list[dict]:
    return [f["properties"] for f in export(runner, "entities")["features"] if f["properties"]["kind"] == "road"]


def test_a_road_crossing_grids_away_from_their_vertices_is_stored_as_stretches_summing_to_it(runner, tmp_path):
    load_fixture_city(runner, tmp_path, with_entities=False)
    path = write_json(tmp_path, "road.geojson", fx.fc([fx.feature(CROSSING, kind="road", ref="R2", name="斜街")]))
    assert invoke(runner, "import-entities", path).exit_code == 0
    stretches = road_stretches(runner)
    assert None not in {s["grid"] for s in stretches} and len(stretches) >= 4
    assert sum(s["length_m"] for s in stretches) == pytest.approx(length_m(CROSSING), abs=0.01)


def test_reassign_resplits_roads_stored_by_the_old_rule_and_reports_them(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path)
    path = write_json(tmp_path, "road.geojson", fx.fc([fx.feature(CROSSING, kind="road", ref="R2", name="斜街")]))
    assert invoke(runner, "import-entities", path).exit_code == 0
    right = road_stretches(runner)
    with db.session() as s:  # what the old rule stored: the whole road once more, "outside every grid"
        road = s.scalars(select(Entity).where(Entity.ref == "R2")).one()
        s.add(
            RoadStretch(
                entity_id=road.id,
                seq=99,
                grid_id=None,
                length_m=length_m(CROSSING),
                geom=to_db(MultiLineString([CROSSING])),
            )
        )
    assert len(road_stretches(runner)) == len(right) + 1

    dry = invoke(runner, "reassign", "--dry-run")
    assert dry.exit_code == 0 and "re-split 1 road(s)" in dry.output and "nothing stored" in dry.output
    assert len(road_stretches(runner)) == len(right) + 1
    done = invoke(runner, "reassign")
    assert done.exit_code == 0 and "re-split 1 road(s)" in done.output and "moved" not in done.output
    assert road_stretches(runner) == right
    assert "re-split" not in invoke(runner, "reassign").output  # nothing left to mend


# -- grids must tile their community: overlaps refuse an import, gaps are warnings ---------------
NW, NE = "410902001001001", "410902001001002"


def grids_with(**changed) -> dict:
    return fx.grids(dict(fx.GRIDS) | {code: geom for code, geom in changed.items()})


def test_grids_overlapping_stored_grids_are_refused_and_each_overlap_is_named(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    before = counts(db)
    wider = box(fx.X0, fx.Y0 + fx.H, fx.X0 + fx.H + 0.001, fx.Y0 + fx.W)  # 001 reaches into 002
    only_001 = fx.grids({NW: wider})
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", only_001))
    assert result.exit_code != 0 and "nothing imported" in result.output
    overlap = area_m2(wider.intersection(fx.GRIDS[NE]))
    assert f"grids {NW} and {NE} overlap by {overlap:,.1f} m²" in result.output
    assert counts(db) == before
    assert shape(export(runner, "grids", "--division", NW[:12])["features"][0]["geometry"]).equals(fx.GRIDS[NW])


def test_grids_overlapping_each_other_or_leaving_their_community_are_refused(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    before = counts(db)
    west_out = box(fx.X0 - 0.002, fx.Y0 + fx.H, fx.X0 + fx.H, fx.Y0 + fx.W)  # 001 crosses the city edge
    taller_sw = box(fx.X0, fx.Y0, fx.X0 + fx.H, fx.Y0 + fx.H + 0.002)  # 003 reaches into 001
    data = grids_with(**{NW: west_out, "410902001001003": taller_sw})
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", data))
    assert result.exit_code != 0
    inside = area_m2(west_out.intersection(taller_sw))
    assert f"grids {NW} and 410902001001003 overlap by {inside:,.1f} m²" in result.output
    outside = area_m2(west_out.difference(fx.WEST))
    assert f"grid {NW} lies {outside:,.1f} m² outside its community" in result.output
    assert "410902001001002" not in result.output  # untouched neighbours are not named
    assert counts(db) == before


def test_allow_overlaps_imports_anyway_with_warnings(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    wider = box(fx.X0, fx.Y0 + fx.H, fx.X0 + fx.H + 0.001, fx.Y0 + fx.W)
    path = write_json(tmp_path, "g.geojson", fx.grids({NW: wider}))
    result = invoke(runner, "import-grids", path, "--allow-overlaps")
    assert result.exit_code == 0, result.output
    assert f"warning: grids {NW} and {NE} overlap by" in result.output and "0 created, 1 updated" in result.output
    assert shape(export(runner, "grids", "--division", NW[:12])["features"][0]["geometry"]).equals(wider)


def test_a_gap_left_in_a_community_is_a_warning_with_its_area(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    narrower = box(fx.X0, fx.Y0 + fx.H, fx.X0 + fx.H - 0.001, fx.Y0 + fx.W)
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", fx.grids({NW: narrower})))
    assert result.exit_code == 0, result.output
    gap = area_m2(fx.GRIDS[NW].difference(narrower))
    assert f"warning: community 410902001001: gap of {gap:,.1f} m² not covered by any grid" in result.output


def test_slivers_below_the_tolerance_are_not_overlaps(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    hair = box(fx.X0, fx.Y0 + fx.H, fx.X0 + fx.H + 1e-9, fx.Y0 + fx.W)  # 0.1 mm into 002: under 1 m²
    result = invoke(runner, "import-grids", write_json(tmp_path, "g.geojson", fx.grids({NW: hair})))
    assert result.exit_code == 0 and "overlap" not in result.output, result.output


def test_the_grid_check_is_a_service_that_stores_nothing(runner, tmp_path, db):
    from geo.features import parse_grids
    from gridflow.places.gridcheck import check_grids

    load_fixture_city(runner, tmp_path, with_entities=False)
    wider = box(fx.X0, fx.Y0 + fx.H, fx.X0 + fx.H + 0.001, fx.Y0 + fx.W)
    with db.session() as s:
        check = check_grids(s, parse_grids(fx.grids({NW: wider})), tolerance_m2=1.0)
    assert check.refused and [o.children for o in check.overlaps] == [[NW, NE]] and not check.gaps
    assert shape(check.overlaps[0].geometry).equals(wider.intersection(fx.GRIDS[NE]))  # for a map preview
    assert check.to_dict()["overlaps"][0]["area_m2"] == pytest.approx(area_m2(wider.intersection(fx.GRIDS[NE])))
    with db.session() as s:
        assert check_grids(s, parse_grids(fx.grids()), tolerance_m2=1.0).to_dict() == {
            "tolerance_m2": 1.0,
            "overlaps": [],
            "outside": [],
            "gaps": [],
            "refused": False,
        }
