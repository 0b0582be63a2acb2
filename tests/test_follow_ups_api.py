"""Follow-up visits due (回访), on both back ends: which closed cases are due (the workflow's rule),
for whom, and that a recorded visit takes a case off the list."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from gridflow.workflow.rules import follow_up_due, follow_up_due_on
from tests.cases_helpers import IN_A_MONTH, Api, setup_city

D = date(2026, 11, 27)


def test_the_rule_a_settled_dispute_from_its_performance_deadline_any_other_from_its_closing():
    assert follow_up_due_on(D, None) == (D, "satisfaction")
    assert follow_up_due_on(D, D + timedelta(days=10)) == (D + timedelta(days=10), "performance")
    assert follow_up_due_on(D, D - timedelta(days=1)) == (D, "satisfaction")  # a deadline already past
    assert follow_up_due(D, None, D) and not follow_up_due(D + timedelta(days=1), None, D)
    assert not follow_up_due(D, D, D + timedelta(days=3))  # visited on the day: done
    assert follow_up_due(D, D - timedelta(days=2), D)  # a visit before the deadline does not count


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def closed(api, agreement: dict, kind: str = "dispute") -> dict:
    overrides = {} if kind == "dispute" else {"kind": "incident", "category": "G02", "parties": []}
    case = api.report("sup_comm", **overrides).json  # reported by staff: waits to be filed
    case = api.event("gw1", case, "file").json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "resolve", outcome="调解成功", agreement=agreement).json
    case = api.event("gw1", case, "verify").json
    assert case["state"] == "closed", case
    return case


def test_closed_cases_are_due_until_a_visit_is_recorded(api):
    oral = closed(api, {"form": "oral", "terms": "和解"})
    later = closed(api, {"form": "written", "terms": "三十日内修好", "performance_deadline": IN_A_MONTH})
    due = api.get("gw1", "/api/v1/follow-ups")
    assert due.status_code == 200, due.json
    assert [c["number"] for c in due.json["items"]] == [oral["number"]] and due.json["total"] == 1
    item = due.json["items"][0]
    assert item["purpose"] == "satisfaction" and item["due_on"] == oral["closed_at"][:10]
    assert item["last_visit_at"] is None and item["state"] == "closed" and item["version"] == oral["version"]
    assert later["number"] not in [c["number"] for c in due.json["items"]]  # due from its deadline on

    visit = {"notes": "当事人表示满意", "satisfied": True}
    cid = str(uuid.uuid4())
    done = api.event("gw1", oral, "follow_up", visit=visit, client_id=cid)
    assert done.status_code == 200, done.json
    assert api.event("gw1", oral, "follow_up", visit=visit, client_id=cid).status_code == 200  # sent twice: once
    assert len(api.get("gw1", f"/api/v1/cases/{oral['id']}").json["follow_ups"]) == 1
    assert api.get("gw1", "/api/v1/follow-ups").json == {"items": [], "total": 0}


@pytest.mark.parametrize(
    "viewer,count", [("gw1", 1), ("med_comm", 1), ("sup_street", 1), ("admin", 1), ("gw2", 0), ("med_comm_east", 0)]
)
def test_follow_ups_are_those_of_the_callers_area(api, viewer, count):
    closed(api, {"form": "oral", "terms": "和解"})
    r = api.get(viewer, "/api/v1/follow-ups")
    assert r.status_code == 200 and r.json["total"] == count, r.json


def test_a_settled_dispute_is_due_when_its_performance_deadline_comes_whatever_visits_came_before(api, db):
    from sqlalchemy import update

    from gridflow.clock import local_date, utcnow
    from gridflow.models import Agreement, Case, FollowUp

    case = closed(api, {"form": "written", "terms": "三十日内修好", "performance_deadline": IN_A_MONTH})
    early = api.event("gw1", case, "follow_up", visit={"notes": "签协议后回访"})
    assert early.status_code == 200 and api.get("gw1", "/api/v1/follow-ups").json["total"] == 0
    today = local_date(utcnow())
    with db.session(write=True) as s:  # a month on: the deadline is today, the visit was long before
        s.execute(update(Case).where(Case.id == case["id"]).values(closed_at=utcnow() - timedelta(days=30)))
        s.execute(update(Agreement).where(Agreement.case_id == case["id"]).values(performance_deadline=today))
        s.execute(
            update(FollowUp).where(FollowUp.case_id == case["id"]).values(visited_at=utcnow() - timedelta(days=20))
        )
    due = api.get("gw1", "/api/v1/follow-ups").json
    assert due["total"] == 1, due
    (item,) = due["items"]
    assert (item["number"], item["purpose"], item["due_on"]) == (case["number"], "performance", today.isoformat())
    assert item["performance_deadline"] == today.isoformat() and item["last_visit_at"]
    done = api.event("gw1", early.json, "follow_up", visit={"notes": "已按协议修好", "performed": True})
    assert done.status_code == 200, done.json
    assert api.get("gw1", "/api/v1/follow-ups").json["total"] == 0
