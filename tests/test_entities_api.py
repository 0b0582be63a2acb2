"""An entity's details and case history (the field app's "My grids"), on both back ends: the cases
reported at it or located at it, most recent first; outside the caller's area it does not exist."""

from __future__ import annotations

import pytest

from tests import fixtures as fx
from tests.cases_helpers import Api, setup_city

H1 = {"lon": fx.X0 + 0.02, "lat": fx.Y0 + 0.1}  # residence 1号楼 (a point) in gw1's grid 001


def incident(description: str, **where) -> dict:
    return {"kind": "incident", "category": "G02", "description": description, **where}


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def test_an_entity_with_the_cases_reported_or_located_at_it_most_recent_first(api):
    named = api.post("gw1", "/api/v1/cases", incident("楼道灯坏了", entity="H1"))
    door = api.post(
        "gw1", "/api/v1/cases", incident("门口堆物", location={"lon": H1["lon"] + 0.0001, "lat": H1["lat"]})
    )
    street = api.post(
        "gw1", "/api/v1/cases", incident("路口积水", location={"lon": H1["lon"] + 0.002, "lat": H1["lat"]})
    )
    assert named.status_code == door.status_code == street.status_code == 201
    closed = api.report("gw1", location={"lon": H1["lon"], "lat": H1["lat"] - 0.0001})  # 11 m south, a dispute
    r = api.get("gw1", "/api/v1/entities/H1")
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["ref"], body["kind"], body["name"], body["households"]) == ("H1", "residence", "1号楼", 40)
    assert [g["code"] for g in body["grids"]] == ["410902001001001"]
    numbers = [c["number"] for c in body["cases"]]
    assert numbers == [closed.json["number"], door.json["number"], named.json["number"]]  # not the one 180 m off
    assert body["cases_total"] == 3
    first = body["cases"][0]
    assert first["category"] == "D02" and first["category_name"] and first["state"] and first["created_at"]
    assert "parties" not in first  # a list row: no personal data


def test_a_road_belongs_to_the_grids_of_its_stretches(api):
    assert api.get("gw1", "/api/v1/entities/R1").status_code == 200
    assert api.get("gw3", "/api/v1/entities/R1").status_code == 200  # the road runs through both counties
    codes = [g["code"] for g in api.get("admin", "/api/v1/entities/R1").json["grids"]]
    assert "410902001001001" in codes and any(c.startswith("410922") for c in codes)


@pytest.mark.parametrize(
    "viewer,status",
    [
        ("gw1", 200),
        ("med_comm", 200),
        ("sup_street", 200),
        ("med_city", 200),
        ("admin", 200),
        ("gw2", 404),
        ("gw3", 404),
        ("med_comm_east", 404),
        ("med_street_east", 404),
    ],
)
def test_an_entity_is_scoped_like_a_case(api, viewer, status):
    r = api.get(viewer, "/api/v1/entities/H1")
    assert r.status_code == status, r.json
    if status == 404:
        assert r.json["error"]["field"] == "ref"


def test_unknown_and_unassigned_entities_do_not_exist(api):
    assert api.get("gw1", "/api/v1/entities/NOPE").status_code == 404
    assert api.get("gw1", "/api/v1/entities/" + "x" * 65).status_code == 404
    assert api.get("gw1", "/api/v1/entities/S-out").status_code == 404  # outside every grid
    assert api.get("admin", "/api/v1/entities/S-out").status_code == 200  # an administrator sees all
    assert api.client.get("/api/v1/entities/H1").status_code == 401


def test_a_grids_entities_with_their_histories_for_the_phone_to_keep(api):
    named = api.post("gw1", "/api/v1/cases", incident("楼道灯坏了", entity="H1")).json
    road = api.post(
        "gw1", "/api/v1/cases", incident("路面塌陷", location={"lon": fx.X0 + 0.03, "lat": fx.Y0 + 0.1})
    ).json
    r = api.get("gw1", "/api/v1/entities?grid=410902001001001")
    assert r.status_code == 200, r.json
    by_ref = {e["ref"]: e for e in r.json["items"]}
    assert sorted(by_ref) == ["H1", "R1"]  # its residence, and the road running through it
    assert [c["number"] for c in by_ref["H1"]["cases"]] == [named["number"]]
    # 1号楼 stands on the road (the fixture's point lies on its line): its case is at the road too
    assert [c["number"] for c in by_ref["R1"]["cases"]] == [road["number"], named["number"]]
    assert by_ref["R1"]["cases_total"] == 2
    assert by_ref["H1"] == api.get("gw1", "/api/v1/entities/H1").json  # the same as one by one
    assert api.get("gw2", "/api/v1/entities?grid=410902001001001").status_code == 404  # not his grid
    assert api.get("med_comm_east", "/api/v1/entities?grid=410902001001001").status_code == 404
    assert api.get("med_comm", "/api/v1/entities?grid=410902001001001").status_code == 200
    assert api.get("gw1", "/api/v1/entities?grid=410902001001999").json["error"]["field"] == "grid"
    assert api.get("gw1", "/api/v1/entities?grid=abc").status_code == 422
    assert api.get("gw2", "/api/v1/entities?grid=410902001001003").json == {"items": []}  # nothing in it
