"""The case API end to end, on both back ends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridflow.models import Case
from tests.cases_helpers import EAST, IN_A_MONTH, WEST_SW, Api, setup_city


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def test_a_grid_handed_to_another_worker_changes_hands_at_the_next_request(api, db):
    case = ok(api.report("med_comm", location=WEST_SW), 201)  # in 410902001001003, gw2's grid
    api.token("gw2")  # issued before the hand-over: it ends with it
    handed = api.client.put(
        "/api/v1/grids/410902001001003/worker", json={"staff_no": "gw1"}, headers=api.headers("admin")
    )
    assert ok(handed)["previous"]["staff_no"] == "gw2" and handed.json["worker"]["staff_no"] == "gw1"
    assert api.event("gw2", case, "file").status_code == 401  # his grids changed: log in again
    api.tokens.clear()
    assert api.event("gw2", case, "file").status_code == 404  # no longer his grid
    assert ok(api.event("gw1", case, "file"))["state"] == "open"


def test_a_field_report_by_the_grids_worker_is_filed_at_community_level(api):
    case = ok(api.report("gw1"), 201)
    assert case["state"] == "open" and case["level"] == "community"
    assert case["grid"]["code"] == "410902001001001"
    assert case["community"]["code"] == "410902001001" and case["street"]["code"] == "410902001"
    assert case["county"]["code"] == "410902" and case["city"]["code"] == "410900"
    assert case["deadline"] and case["warn_at"] and not case["overdue"] and case["version"] >= 1
    assert case["number"].startswith("410902-")
    assert case["allowed_events"] == ["merge"]  # the grid worker waits for the mediator (or merges a duplicate)


def test_a_grid_workers_report_outside_his_grids_waits_for_the_owning_worker(api, db):
    case = ok(api.report("gw1", location=WEST_SW), 201)  # 410902001001003 is gw2's
    assert case["state"] == "reported" and case["grid"]["code"] == "410902001001003"
    assert case["allowed_events"] == []
    for event, data in (("file", {}), ("reject", {"reason": "x"})):
        refused = api.event("gw1", case, event, **data)  # he may see his own report, not check it
        assert refused.status_code == 409 and refused.json["error"]["allowed_events"] == []
    other = ok(api.report("med_comm", location=WEST_SW, category="D03"), 201)
    assert api.event("gw1", case, "merge", into=other["id"]).status_code == 409
    mine = ok(api.get("gw2", f"/api/v1/cases/{case['id']}"))
    assert mine["allowed_events"] == ["file", "merge", "reject"]
    # Handed to gw1, grid 003 is his to check at once; gw2 no longer sees the case.
    handed = api.client.put(
        "/api/v1/grids/410902001001003/worker", json={"staff_no": "gw1"}, headers=api.headers("admin")
    )
    assert handed.status_code == 200
    api.tokens.clear()
    assert api.get("gw2", f"/api/v1/cases/{case['id']}").status_code == 404
    assert ok(api.event("gw1", case, "file"))["state"] == "open"


def test_a_report_made_off_site_waits_for_the_grids_worker_to_check_it(api):
    case = ok(api.report("med_comm", location=WEST_SW), 201)
    assert case["state"] == "reported" and case["deadline"] is None
    assert api.event("gw1", case, "file").status_code == 404  # not his grid, not his report
    filed = ok(api.event("gw2", case, "file"))
    assert filed["state"] == "open" and filed["deadline"]


def test_a_dispute_goes_through_all_four_levels_and_closes(api):
    case = ok(api.report("gw1"), 201)
    for mediator, nxt in (("med_comm", "street"), ("med_street", "county"), ("med_county", "city")):
        case = ok(api.event(mediator, case, "claim"))
        assert case["state"] == "handling" and case["assignee"]["name"] == mediator
        case = ok(api.event(mediator, case, "record", session={"summary": "双方到场，各自陈述"}))
        case = ok(api.event(mediator, case, "escalate", reason="调解未果"))
        assert case["state"] == "open" and case["level"] == nxt and case["assignee"] is None
    case = ok(api.event("med_city", case, "claim"))
    blocked = api.event("med_city", case, "escalate", reason="再上交")
    assert blocked.status_code == 409 and "escalate" not in blocked.json["error"]["allowed_events"]
    no_agreement = api.event("med_city", case, "resolve", outcome="达成一致")
    assert no_agreement.status_code == 422 and no_agreement.json["error"]["field"] == "agreement"
    case = ok(
        api.event(
            "med_city",
            case,
            "resolve",
            outcome="达成调解协议",
            agreement={"terms": "李四赔偿维修费2000元", "performance_deadline": IN_A_MONTH},
        )
    )
    assert case["state"] == "resolved" and case["agreement"]["confirmation_deadline"]
    case = ok(api.event("gw1", case, "verify"))
    assert case["state"] == "closed"
    case = ok(api.event("gw1", case, "follow_up", visit={"notes": "已履行", "performed": True}))
    assert case["state"] == "closed" and case["follow_ups"][0]["performed"] is True
    timeline = ok(api.get("sup_city", f"/api/v1/cases/{case['id']}/timeline"))
    assert timeline["chain_valid"]
    assert [e["event"] for e in timeline["events"]] == [
        "report",
        "file",
        "claim",
        "record",
        "escalate",
        "claim",
        "record",
        "escalate",
        "claim",
        "record",
        "escalate",
        "claim",
        "resolve",
        "verify",
        "follow_up",
    ]
    assert set(timeline["durations"]["levels"]) == {"community", "street", "county", "city"}


def test_return_sends_a_case_down_with_a_reason_and_rework_sends_it_back(api):
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "escalate", reason="涉及多个社区"))
    case = ok(api.event("med_street", case, "claim"))
    assert ok(api.event("med_street", case, "return", reason="属于社区职责"))["level"] == "community"
    case = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}"))
    missing = api.event("med_comm", case, "return")
    assert missing.status_code in (409, 422)
    case = ok(api.event("med_comm", case, "claim"))
    case = ok(
        api.event("med_comm", case, "resolve", outcome="口头和解", agreement={"form": "oral", "terms": "互相谅解"})
    )
    case = ok(api.event("gw1", case, "rework", reason="现场仍在漏水"))
    assert case["state"] == "handling" and case["reworks"] == 1 and case["level"] == "community"
    case = ok(
        api.event(
            "med_comm",
            case,
            "resolve",
            outcome="书面协议",
            agreement={"terms": "维修并赔偿500元", "performance_deadline": IN_A_MONTH},
        )
    )
    assert case["agreement"]["terms"] == "维修并赔偿500元" and case["agreement"]["form"] == "written"
    timeline = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}/timeline"))
    resolves = [e["data"]["agreement"]["terms"] for e in timeline["events"] if e["event"] == "resolve"]
    assert resolves == ["互相谅解", "维修并赔偿500元"] and timeline["chain_valid"]


def test_refer_records_the_routes_given_to_the_parties(api):
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "claim"))
    case = ok(
        api.event(
            "med_comm",
            case,
            "refer",
            referral={"to": "court", "body": "华龙区人民法院", "routes": "告知当事人可向法院起诉"},
        )
    )
    assert case["state"] == "referred" and case["allowed_events"] == []


def test_reject_and_merge_reported_cases(api):
    first = ok(api.report("med_comm", location=WEST_SW), 201)
    second = ok(api.report("med_comm", location=WEST_SW), 201)
    assert [d["id"] for d in second["possible_duplicates"]] == [first["id"]]
    merged = ok(api.event("gw2", second, "merge", into=first["id"]))
    assert merged["state"] == "merged" and merged["merged_into"] == first["id"]
    third = ok(api.report("med_comm", location=WEST_SW, category="D03"), 201)
    assert ok(api.event("gw2", third, "reject", reason="不属实"))["state"] == "rejected"


@pytest.mark.parametrize(
    "actor,event,status",
    [
        ("gw1", "claim", 403),  # a grid worker never claims
        ("med_comm", "verify", 403),  # a mediator never verifies
        ("med_comm", "extend", 403),  # extending needs a supervisor
        ("med_street", "claim", 409),  # not at his level yet: allowed events listed
        ("med_comm_east", "claim", 404),  # another community: the case does not exist for him
        ("gw3", "file", 404),  # another grid worker's area
        ("admin", "flag_overdue", 403),  # only the sweep flags
    ],
)
def test_events_are_checked_against_role_and_area(api, actor, event, status):
    case = ok(api.report("gw1"), 201)
    response = api.event(actor, case, event, reason="x")
    assert response.status_code == status, response.json
    error = response.json["error"]
    if status == 409:
        assert error["allowed_events"] == []


def test_only_the_handler_or_a_supervisor_finishes_a_case_and_extends(api):
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "claim"))
    other = api.event("med_comm2", case, "resolve", outcome="x", agreement={"form": "oral", "terms": "x"})
    assert other.status_code == 409
    before = case["deadline"]
    extended = ok(api.event("sup_comm", case, "extend", reason="当事人住院", extend_by=2))
    assert extended["deadline"] > before and extended["extensions"] == 1
    bad = api.event("sup_comm", extended, "extend", reason="x", extend_by="two")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "extend_by"


@pytest.mark.parametrize("event,data", [("escalate", {"reason": "x"}), ("return", {"reason": "x"})])
def test_a_colleague_of_the_same_level_may_not_move_a_claimed_case(api, event, data):
    case = ok(api.report("gw1"), 201)
    if event == "return":
        case = ok(api.event("med_comm", case, "escalate", reason="涉及多个社区"))
        handler, colleague, supervisor = "med_street", "med_street2", "sup_street"
    else:
        handler, colleague, supervisor = "med_comm", "med_comm2", "sup_comm"
    case = ok(api.event(handler, case, "claim"))
    refused = api.event(colleague, case, event, **data)
    assert refused.status_code == 409 and refused.json["error"]["allowed_events"] == []
    assert ok(api.event(supervisor, case, event, **data))["state"] == "open"


def test_an_unclaimed_case_may_be_escalated_by_any_mediator_of_its_level(api):
    case = ok(api.report("gw1"), 201)
    assert ok(api.event("med_comm2", case, "escalate", reason="涉及多个社区"))["level"] == "street"


def test_a_stale_version_is_a_conflict(api):
    case = ok(api.report("gw1"), 201)
    ok(api.event("med_comm", case, "claim"))
    stale = api.event("med_comm", case, "release")
    assert stale.status_code == 409 and stale.json["error"]["field"] == "version"


def test_personal_data_is_masked_for_those_not_responsible(api):
    case = ok(api.report("gw1"), 201)
    mine = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}"))
    assert mine["parties"][0]["id_number"] == "11010519491231002X"
    above = ok(api.get("med_county", f"/api/v1/cases/{case['id']}"))
    assert above["parties"][0]["id_number"] == "110105**********2X"
    assert above["parties"][0]["phone"] == "138******11"


def test_the_queue_shows_what_the_caller_can_act_on_by_deadline(api):
    slow = ok(api.report("gw1", category="D02"), 201)  # 5 working days
    fast = ok(api.report("gw1", kind="incident", category="G02", description="井盖缺失", risk=None, parties=[]), 201)
    ok(api.report("gw3", location=EAST), 201)  # another community
    queue = ok(api.get("med_comm", "/api/v1/queue"))
    assert [c["id"] for c in queue["items"]] == [fast["id"], slow["id"]] and queue["total"] == 2
    assert ok(api.get("med_street", "/api/v1/queue"))["total"] == 0
    page = ok(api.get("med_comm", "/api/v1/queue?per_page=1&page=2"))
    assert [c["id"] for c in page["items"]] == [slow["id"]] and page["page"] == 2
    assert api.get("med_comm", "/api/v1/queue?page=zero").status_code == 422


def test_case_search_filters_and_stays_inside_the_area(api):
    ok(api.report("gw1"), 201)
    ok(api.report("gw3", location=EAST), 201)
    assert ok(api.get("admin", "/api/v1/cases"))["total"] == 2
    assert ok(api.get("med_comm", "/api/v1/cases"))["total"] == 1
    assert ok(api.get("admin", "/api/v1/cases?division=410922"))["total"] == 1
    assert ok(api.get("admin", "/api/v1/cases?state=open&level=community&category=D02&overdue=false"))["total"] == 2
    assert api.get("admin", "/api/v1/cases?level=province").status_code == 422


def test_categories_list_duties_and_limits(client):
    items = client.get("/api/v1/categories").json["items"]
    g02 = next(c for c in items if c["code"] == "G02")
    assert g02["duty"] == "general" and g02["limits"]["community"] == {"amount": 2, "unit": "emergency_hours"}


@pytest.mark.parametrize(
    "body,field",
    [
        ({"category": "Z99"}, "category"),
        ({"location": None}, "location"),
        ({"location": {"lon": "115", "lat": 35.8}}, "location.lon"),
        ({"location": {"lon": 115.01, "lat": 95}}, "location.lat"),
        ({"description": "x" * 5000}, "description"),
        ({"kind": "complaint"}, "kind"),
        (
            {"parties": [{"name": "王五", "role": "applicant", "id_number": "110105194912310021"}]},
            "parties[0].id_number",
        ),
        ({"parties": "张三"}, "parties"),
        ({"entity": "NOPE", "location": None}, "entity"),
        ({"location": {"lon": 100.0, "lat": 30.0}}, "location"),  # outside every grid
    ],
)
def test_bad_reports_are_rejected_and_nothing_is_stored(api, db, body, field):
    response = api.report("gw1", **body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_bad_json_and_oversized_bodies(api, db):
    r = api.client.post(
        "/api/v1/cases", data="{nope", headers={**api.headers("gw1"), "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json["error"] == {
        "code": "bad_json",
        "message": "the body is not valid JSON: key must be a string at line 1 column 2",
        "field": "body",
    }
    big = api.client.post(
        "/api/v1/cases",
        data="x" * (2 * 1024 * 1024),
        headers={**api.headers("gw1"), "Content-Type": "application/json"},
    )
    assert big.status_code == 413 and "error" in big.json
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_report_by_entity_ref_takes_its_location(api):
    case = ok(api.report("gw2", location=None, entity="S1"), 201)
    assert case["grid"]["code"] == "410902001001004" and case["state"] == "open"


def test_auth_errors(api, client):
    assert client.post("/api/v1/auth/token", json={"username": "gw1", "password": "wrong"}).status_code == 401
    assert client.get("/api/v1/queue").status_code == 401
    assert client.get("/api/v1/queue", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": 5}).status_code == 422


def test_unknown_events_and_cases(api):
    case = ok(api.report("gw1"), 201)
    unknown = api.event("med_comm", case, "teleport")
    assert unknown.status_code == 422 and unknown.json["error"]["field"] == "event"
    assert api.get("med_comm", "/api/v1/cases/999999").status_code == 404
    assert api.event("med_comm", {"id": case["id"], "version": "1"}, "claim").status_code == 422
