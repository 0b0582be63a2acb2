"""Map layers as GeoJSON, through the API and the pages, on both back ends: what each zoom ships, the
box, one grid by code, cases only inside the caller's area, bad input named."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo.mapview import BBox
from gridflow.cases.mapdata import in_view
from gridflow.categories import store as categories
from gridflow.models import Case
from gridflow.workflow.rules import MEDIATOR, Actor
from tests import fixtures as fx
from tests.cases_helpers import EAST, WEST_SW, Api, setup_city
from tests.test_contracts import plan, uses
from tests.web_helpers import web_login

CITY = f"{fx.X0 - 0.01},{fx.Y0 - 0.01},{fx.X0 + 2 * fx.W + 0.01},{fx.Y0 + fx.W + 0.01}"
WEST_ONLY = f"{fx.X0 + 0.001},{fx.Y0 + 0.001},{fx.X0 + fx.W - 0.01},{fx.Y0 + fx.W - 0.001}"


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def layer(api, user, name, **query):
    answer = api.get(user, f"/api/v1/geo/{name}?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert answer.status_code == 200, answer.json
    return answer.json


def props(collection, key="code"):
    return {f["properties"][key]: f["properties"] for f in collection["features"]}


def test_divisions_come_at_the_level_that_suits_the_zoom(api):
    assert set(props(layer(api, "gw1", "divisions", bbox=CITY, zoom=9))) == {"410902", "410922"}
    assert set(props(layer(api, "gw1", "divisions", bbox=CITY, zoom=11))) == {"410902001", "410922100"}
    assert set(props(layer(api, "gw1", "divisions", bbox=CITY, zoom=13))) == {"410902001001", "410922100201"}
    assert set(props(layer(api, "gw1", "divisions", bbox=CITY, zoom=13, level="city"))) == {"410900"}
    east = f"{fx.X0 + fx.W + 0.01},{fx.Y0 + 0.01},{fx.X0 + 2 * fx.W - 0.01},{fx.Y0 + 0.02}"
    assert set(props(layer(api, "gw1", "divisions", bbox=east, zoom=9))) == {"410922"}


def test_grids_come_with_their_community_and_worker_and_one_grid_by_its_code(api):
    grids = props(layer(api, "med_comm", "grids", bbox=WEST_ONLY, zoom=14))
    assert set(grids) == set(fx.WEST_GRIDS)
    nw = grids["410902001001001"]
    assert nw["community"] == {"code": "410902001001", "name": "幸福社区"}
    assert nw["worker"]["name"] == "gw1"  # the grid worker who owns it (the fixture users took the grids over)
    one = layer(api, "med_comm", "grids", code="410922100201002")
    assert [f["properties"]["code"] for f in one["features"]] == ["410922100201002"]
    assert one["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    missing = api.get("med_comm", "/api/v1/geo/grids?code=410922100201009")
    assert missing.status_code == 404 and missing.json["error"]["field"] == "code"


def test_entities_are_single_close_in_and_counted_per_grid_or_community_further_out(api):
    close = layer(api, "gw1", "entities", bbox=CITY, zoom=16)
    assert close["detail"] == "features"
    kinds = {f["properties"]["ref"]: f["properties"]["kind"] for f in close["features"]}
    assert kinds == {"H1": "residence", "S1": "shop", "U1": "unit", "R1": "road"}  # the outside shop is not in view
    per_grid = layer(api, "gw1", "entities", bbox=CITY, zoom=13)
    assert per_grid["detail"] == "grid_counts"
    counts = props(per_grid)
    assert counts["410902001001001"]["counts"] == {"residence": 1, "shop": 0, "unit": 0}
    assert counts["410902001001001"]["households"] == 40
    assert all(f["geometry"]["type"] == "Point" for f in per_grid["features"])  # no residence ships
    per_community = props(layer(api, "gw1", "entities", bbox=CITY, zoom=10))
    assert per_community["410902001001"]["counts"] == {"residence": 1, "shop": 1, "unit": 1}


def test_open_cases_appear_only_inside_the_callers_area(api):
    west = api.report("gw1").json
    api.report("gw2", location=WEST_SW)
    east = api.report("gw3", location=EAST).json
    close = layer(api, "med_comm", "cases", bbox=CITY, zoom=16)
    assert {f["properties"]["number"] for f in close["features"]} == {
        west["number"],
        api.get("med_comm", "/api/v1/queue").json["items"][1]["number"],
    } or len(close["features"]) == 2
    assert east["number"] not in {f["properties"]["number"] for f in close["features"]}
    assert layer(api, "med_comm_east", "cases", bbox=CITY, zoom=16)["features"][0]["properties"]["id"] == east["id"]
    assert len(layer(api, "admin", "cases", bbox=CITY, zoom=16)["features"]) == 3
    per_grid = props(layer(api, "med_comm", "cases", bbox=CITY, zoom=13))
    assert {code: p["count"] for code, p in per_grid.items()} == {"410902001001001": 1, "410902001001003": 1}
    assert {code: p["count"] for code, p in props(layer(api, "sup_city", "cases", bbox=CITY, zoom=13)).items()} == {
        "410902001001001": 1,
        "410902001001003": 1,
        "410922100201001": 1,
    }
    wide = layer(api, "sup_city", "cases", bbox=CITY, zoom=10)  # counting a city's cases is the figures' job
    assert wide["detail"] == "hidden" and wide["features"] == [] and wide["min_zoom"] == 13


def test_closed_cases_leave_the_map_and_overdue_ones_say_so(api, db):
    from datetime import timedelta

    from sqlalchemy import update

    from gridflow.clock import utcnow

    case = api.report("gw1").json
    with db.session() as s:
        s.execute(update(Case).where(Case.id == case["id"]).values(deadline=utcnow() - timedelta(hours=1)))
    point = layer(api, "med_comm", "cases", bbox=CITY, zoom=16)["features"][0]["properties"]
    assert point["overdue"] is True and point["category_name"] == "邻里纠纷"
    assert props(layer(api, "med_comm", "cases", bbox=CITY, zoom=13))["410902001001001"]["overdue"] == 1
    with db.session() as s:
        s.execute(update(Case).where(Case.id == case["id"]).values(state="closed"))
    assert layer(api, "med_comm", "cases", bbox=CITY, zoom=16)["features"] == []


def test_grids_are_hidden_where_they_would_be_a_few_pixels_wide(api):
    wide = layer(api, "gw1", "grids", bbox=CITY, zoom=9)
    assert wide["detail"] == "hidden" and wide["min_zoom"] == 11 and wide["features"] == []
    assert len(layer(api, "gw1", "grids", code="410902001001001", zoom=9)["features"]) == 1  # one by code: always


def test_a_crowded_view_says_it_is_truncated(api, monkeypatch):
    from gridflow.places import mapdata

    monkeypatch.setattr(mapdata, "MAX_FEATURES", 2)
    grids = layer(api, "gw1", "grids", bbox=CITY, zoom=14)
    assert len(grids["features"]) == 2 and grids["truncated"] is True


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("bbox=1,2,3&zoom=10", 422, "bbox"),
        ("bbox=115,36,114,35&zoom=10", 422, "bbox"),
        ("bbox=114,35,116,36&zoom=40", 422, "zoom"),
        ("bbox=114,35,116,36", 422, "zoom"),
        ("zoom=10", 422, "bbox"),
        ("bbox=114,35,116,36&zoom=10&srid=4326", 400, "srid"),
    ],
)
def test_a_view_that_is_not_one_is_named(api, query, status, field):
    for name in ("divisions", "entities", "cases"):
        answer = api.get("gw1", f"/api/v1/geo/{name}?{query}")
        assert answer.status_code == status and answer.json["error"]["field"] == field, answer.json
    assert api.get("gw1", "/api/v1/geo/grids?zoom=10").json["error"]["field"] == "bbox"


def test_pages_get_the_same_layers_under_their_login(api, client):
    assert api.client.get(f"/api/v1/geo/grids?bbox={CITY}&zoom=12").status_code == 401
    assert client.get(f"/geo/grids.geojson?bbox={CITY}&zoom=12").status_code == 302  # to the login page
    web_login(client, "med_comm")
    answer = client.get(f"/geo/grids.geojson?bbox={CITY}&zoom=12")
    assert answer.status_code == 200 and answer.mimetype == "application/geo+json"
    assert answer.json == layer(api, "med_comm", "grids", bbox=CITY, zoom=12)
    bad = client.get("/geo/cases.geojson?bbox=x&zoom=12", headers={"Accept": "application/geo+json, application/json"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "bbox"


def test_the_cases_layer_reads_the_open_cases_through_their_index(db):
    mediator = Actor(1, "m", MEDIATOR, division_id=1, division_level="street")
    with db.session() as s:
        codes = categories.codes(s)
    stmt = select(Case.id).where(*in_view(mediator, BBox(115.0, 35.7, 115.1, 35.8), codes))
    assert uses(plan(db, stmt), "ix_case_duplicates")
