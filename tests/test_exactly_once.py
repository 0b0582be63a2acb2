"""Exactly-once reports and events (issue 13 "Offline"), on both back ends: a phone that is unsure
its request arrived sends it again with the same client_id and gets the first answer's case."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from gridflow.models import Case, CaseEvent
from tests.cases_helpers import WEST_SW, Api, setup_city


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def count(db, model, **where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_the_same_client_id_twice_gives_one_case_201_then_200(api, db):
    cid = str(uuid.uuid4())
    first = api.report(client_id=cid)
    again = api.report(client_id=cid)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["number"] == first.json["number"]
    assert again.json["possible_duplicates"] == []  # not a duplicate of itself
    assert count(db, Case) == 1
    assert api.report(client_id=str(uuid.uuid4())).status_code == 201 and count(db, Case) == 2


def test_client_ids_are_per_user_and_reports_without_one_are_never_merged(api, db):
    cid = str(uuid.uuid4())
    assert api.report("gw1", client_id=cid).status_code == 201
    assert api.report("med_comm", client_id=cid).status_code == 201  # another user's id space
    assert api.report().status_code == 201 and api.report().status_code == 201
    assert count(db, Case) == 4


def test_a_client_id_is_spelled_once_whatever_its_case(api):
    cid = uuid.uuid4()
    first = api.report(client_id=str(cid).upper())
    assert api.report(client_id=cid.hex).json["id"] == first.json["id"]
    bad = api.report(client_id="not-a-uuid")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "client_id"
    assert "UUID" in bad.json["error"]["message"]


def test_two_reports_with_one_client_id_racing_make_one_case(app, api, db):
    """Sent at the same moment on two connections: the unique index decides, the loser reads the
    winner's case (both get the same case, one 201 and one 200)."""
    cid = str(uuid.uuid4())
    token = api.token("gw1")
    body = {"kind": "incident", "category": "G01", "description": "垃圾", "location": WEST_SW, "client_id": cid}
    barrier = threading.Barrier(4)
    answers = []

    def send():
        client = app.test_client()
        barrier.wait()
        r = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
        answers.append((r.status_code, r.json.get("id")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in answers) == [200, 200, 200, 201], answers
    assert len({case_id for _, case_id in answers}) == 1
    assert count(db, Case) == 1


def test_an_event_sent_again_is_answered_not_applied_twice(api, db):
    case = api.report().json
    cid = str(uuid.uuid4())
    claimed = api.event("med_comm", case, "claim", client_id=cid)
    again = api.event("med_comm", case, "claim", client_id=cid)  # the version it was sent with is stale now
    assert claimed.status_code == 200 and again.status_code == 200
    assert again.json["version"] == claimed.json["version"] and again.json["state"] == "handling"
    assert count(db, CaseEvent, case_id=case["id"], event="claim") == 1
    recorded = api.event(
        "med_comm", claimed.json, "record", session={"summary": "双方到场"}, client_id=str(uuid.uuid4())
    )
    assert recorded.status_code == 200
    stale = api.event("med_comm", claimed.json, "release", client_id=str(uuid.uuid4()))
    assert stale.status_code == 409 and stale.json["error"]["current_version"] == recorded.json["version"]
    reused = api.event("med_comm", recorded.json, "release", client_id=cid)  # another event, the same id
    assert reused.status_code == 422 and reused.json["error"]["field"] == "client_id"


def test_a_verify_sent_twice_from_the_phone_closes_the_case_once(api, db):
    case = api.report().json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "resolve", outcome="调解成功", agreement={"form": "oral", "terms": "和解"}).json
    cid = str(uuid.uuid4())
    first = api.event("gw1", case, "verify", client_id=cid)
    second = api.event("gw1", case, "verify", client_id=cid)
    assert first.status_code == second.status_code == 200 and second.json["state"] == "closed"
    assert count(db, CaseEvent, case_id=case["id"], event="verify") == 1
    timeline = api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json
    assert timeline["chain_valid"]


def test_a_report_whose_probe_missed_its_twin_is_caught_by_the_unique_index(api, db, monkeypatch):
    """The race, made certain: the second report's look-up misses the first (as when both look at once),
    its INSERT breaks the unique index, and it answers the first one's case."""
    from gridflow.cases import report as reporting

    cid = str(uuid.uuid4())
    first = api.report(client_id=cid)
    where = reporting._where

    def missing_the_twin(*args, **kwargs):
        found, duplicates, _, category, calendar = where(*args, **kwargs)
        return found, duplicates, None, category, calendar

    monkeypatch.setattr(reporting, "_where", missing_the_twin)
    again = api.report(client_id=cid)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert count(db, Case) == 1
    assert api.report().status_code == 201  # without a client id, nothing to catch
