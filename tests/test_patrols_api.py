"""Patrols (巡查) over the API, on both back ends: start and end, positions in batches taken once,
nothing kept outside a patrol, the daily log for the worker and the staff of his area."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from gridflow.clock import CST
from tests import fixtures as fx
from tests.cases_helpers import Api, setup_city


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def at(minutes_ago: float) -> str:
    return (datetime.now(CST) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")


# A walk north along the western edge of grid 003 into grid 001 (gw2's and gw1's): 0.001° of latitude ≈ 111 m.
X = fx.X0 + 0.01


def fix(lat_offset: float, minutes_ago: float) -> dict:
    return {"lon": X, "lat": fx.Y0 + 0.0615 + lat_offset, "at": at(minutes_ago), "accuracy_m": 5}


def started(api, user="gw1", minutes_ago=30):
    r = api.post(user, "/api/v1/patrols", {"started_at": at(minutes_ago), "client_id": str(uuid.uuid4())})
    assert r.status_code == 201, r.json
    return r.json


def test_a_patrol_from_start_to_end_with_its_day_log(api):
    patrol = started(api)
    batch = {
        "client_id": str(uuid.uuid4()),
        "positions": [fix(0, 20), fix(0.001, 15), fix(0.002, 10)],
        "visits": [{"entity": "H1", "at": at(12), "note": "走访3户"}],
    }
    sent = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", batch)
    assert sent.status_code == 201 and sent.json == {
        "patrol_id": patrol["id"],
        "client_id": batch["client_id"],
        "points": 3,
        "visits": 1,
    }
    again = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", batch)
    assert again.status_code == 200 and again.json == sent.json  # taken once
    api.report("gw1")  # a case reported on the way
    ended = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/end", {"ended_at": at(5)})
    assert ended.status_code == 200 and ended.json["ended_at"]
    assert 220 < ended.json["distance_m"] < 225 and ended.json["points"] == 3
    assert abs(ended.json["duration_s"] - 25 * 60) < 2
    assert api.post("gw1", f"/api/v1/patrols/{patrol['id']}/end", {}).json == ended.json  # ended once
    log = api.get("gw1", f"/api/v1/patrols?date={patrol['started_at'][:10]}")  # its day, near midnight too
    assert log.status_code == 200, log.json
    day = log.json
    assert day["worker"]["name"] == "gw1" and [p["id"] for p in day["patrols"]] == [patrol["id"]]
    reported_today = datetime.now(CST).date().isoformat() == patrol["started_at"][:10]
    assert day["distance_m"] == ended.json["distance_m"] and day["cases_reported"] == int(reported_today)
    assert [g["code"] for g in day["grids"]] == ["410902001001001", "410902001001003"]
    assert day["patrols"][0]["visits"][0]["entity"] == "H1" and day["patrols"][0]["visits"][0]["name"] == "1号楼"


def test_nothing_is_kept_outside_a_patrol(api):
    patrol = started(api, minutes_ago=30)
    early = api.post(
        "gw1",
        f"/api/v1/patrols/{patrol['id']}/positions",
        {"client_id": str(uuid.uuid4()), "positions": [fix(0, 10), fix(0, 40)]},
    )
    assert early.status_code == 422 and early.json["error"]["field"] == "positions[1].at"
    api.post("gw1", f"/api/v1/patrols/{patrol['id']}/end", {"ended_at": at(20)})
    late = api.post(
        "gw1", f"/api/v1/patrols/{patrol['id']}/positions", {"client_id": str(uuid.uuid4()), "positions": [fix(0, 10)]}
    )
    assert late.status_code == 422 and "outside the patrol" in late.json["error"]["message"]
    offline = api.post(
        "gw1", f"/api/v1/patrols/{patrol['id']}/positions", {"client_id": str(uuid.uuid4()), "positions": [fix(0, 25)]}
    )
    assert offline.status_code == 201  # sent after the end, taken during it
    others = api.post(
        "gw2", f"/api/v1/patrols/{patrol['id']}/positions", {"client_id": str(uuid.uuid4()), "positions": []}
    )
    assert others.status_code == 404  # another worker's patrol does not exist for him


def test_one_patrol_at_a_time_and_a_repeated_start_is_the_same_patrol(api):
    cid = str(uuid.uuid4())
    first = api.post("gw1", "/api/v1/patrols", {"client_id": cid})
    again = api.post("gw1", "/api/v1/patrols", {"client_id": cid})
    assert first.status_code == 201 and again.status_code == 200 and again.json["id"] == first.json["id"]
    second = api.post("gw1", "/api/v1/patrols", {})
    assert second.status_code == 409 and second.json["error"]["patrol_id"] == first.json["id"]
    future = api.post("gw2", "/api/v1/patrols", {"started_at": at(-60)})
    assert future.status_code == 422 and future.json["error"]["field"] == "started_at"
    assert api.post("med_comm", "/api/v1/patrols", {}).status_code == 403


@pytest.mark.parametrize(
    "viewer,status",
    [
        ("gw1", 200),
        ("med_comm", 200),
        ("sup_street", 200),
        ("med_city", 200),
        ("admin", 200),
        ("gw2", 404),
        ("med_comm_east", 404),
        ("med_street_east", 404),
    ],
)
def test_a_workers_day_is_seen_by_himself_and_the_staff_of_his_area(api, db, viewer, status):
    from sqlalchemy import select

    from gridflow.models import User

    with db.session() as s:
        gw1 = s.scalar(select(User.id).where(User.username == "gw1"))
    patrol = started(api)
    r = api.get(viewer, f"/api/v1/patrols?worker={gw1}&date={patrol['started_at'][:10]}")
    assert r.status_code == status, r.json
    if status == 200:
        assert len(r.json["patrols"]) == 1


def test_a_day_without_patrols_and_bad_queries(api):
    empty = api.get("gw1", "/api/v1/patrols?date=2026-01-01")
    assert empty.status_code == 200 and empty.json["patrols"] == [] and empty.json["distance_m"] == 0
    assert api.get("gw1", "/api/v1/patrols?date=tomorrow").status_code == 422
    assert api.get("gw1", "/api/v1/patrols?worker=999999").status_code == 404
    naive = api.post("gw1", "/api/v1/patrols", {"started_at": "2026-11-27T09:00:00"})
    assert naive.status_code == 422 and naive.json["error"]["field"] == "started_at"


def test_entities_visited_are_kept_once_with_how_and_how_far_the_phone_stood(api):
    patrol = started(api)
    h1 = (fx.X0 + 0.02, fx.Y0 + 0.1)  # a point: residence H1
    near = {"lon": h1[0] + 0.0002, "lat": h1[1], "accuracy_m": 8}  # about 18 m east of it
    s1 = (fx.X0 + 0.1, fx.Y0 + 0.02)  # a point: shop S1
    far = {"lon": s1[0], "lat": s1[1] + 0.01, "accuracy_m": 500}  # about 1.1 km north of it, a wide fix
    first = {
        "client_id": str(uuid.uuid4()),
        "positions": [fix(0, 20)],
        "visits": [
            {"entity": "H1", "at": at(19), "how": "details", "position": near},
            {"entity": "S1", "at": at(18), "how": "report", "position": far},
            {"entity": "H1", "at": at(17), "how": "report"},  # the same entity again: still one visit
        ],
    }
    sent = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", first)
    assert sent.status_code == 201 and sent.json["visits"] == 2, sent.json
    assert api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", first).json == sent.json  # taken once
    later = {"client_id": str(uuid.uuid4()), "visits": [{"entity": "H1", "at": at(10), "how": "details"}]}
    again = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", later)
    assert again.status_code == 201 and again.json["visits"] == 0  # H1 was visited on this walk already
    unknown = {"client_id": str(uuid.uuid4()), "visits": [{"entity": "H1", "at": at(9), "how": "lunch"}]}
    assert api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", unknown).status_code == 422
    nowhere = {"client_id": str(uuid.uuid4()), "visits": [{"entity": "NOPE", "at": at(9)}]}
    refused = api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", nowhere)
    assert refused.status_code == 422 and refused.json["error"]["field"] == "visits[0].entity"
    # The supervisor of the street reads the day: two entities, how each was met, and how far.
    day = api.get("sup_street", f"/api/v1/patrols?worker={patrol['worker']['id']}&date={patrol['started_at'][:10]}")
    assert day.status_code == 200, day.json
    assert day.json["entities_visited"] == 2
    visits = day.json["patrols"][0]["visits"]
    assert [(v["entity"], v["how"], v["kind"]) for v in visits] == [
        ("H1", "details", "residence"),
        ("S1", "report", "shop"),
    ]
    assert 15 < visits[0]["distance_m"] < 21 and visits[0]["near"] is True
    assert 1000 < visits[1]["distance_m"] < 1200 and visits[1]["near"] is False  # a wide fix earns 20 m at most
