"""Personal data of the parties: unmasked only for those handling the case now (assignee, mediators of
its current level and area, the grid's own worker); everyone else — administrators and supervisors
included — sees names, phones and ID numbers masked and may reveal them with a reason, audited."""

from __future__ import annotations

import pytest

from gridflow.people.access import mask_name
from tests.cases_helpers import EAST, Api, setup_city

UNMASKED = {"name": "张三", "phone": "13800001111", "id_number": "11010519491231002X", "role": "applicant"}
MASKED = {"name": "张*", "phone": "138******11", "id_number": "110105**********2X", "role": "applicant"}


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


@pytest.mark.parametrize(
    "name, masked",
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),
        ("司马光", "司马*"),
        ("J. Smith", "J* *****"),
        ("李", "李"),
    ],
)
def test_a_masked_name_keeps_the_family_name_only(name, masked):
    assert mask_name(name) == masked


def first_party(api, user, case) -> dict:
    answer = api.get(user, f"/api/v1/cases/{case['id']}")
    assert answer.status_code == 200, answer.json
    return answer.json["parties"][0]


def test_who_sees_the_parties_unmasked_while_the_case_waits_at_community_level(api):
    case = api.report("gw1").json  # filed at once: open at community level in gw1's grid
    handling = {"gw1", "med_comm", "med_comm2"}  # the grid's worker; the community's mediators
    others = {"sup_comm", "med_street", "sup_street", "med_county", "med_city", "sup_city", "admin"}
    for user in handling:
        assert first_party(api, user, case) == UNMASKED, user
    for user in others:
        assert first_party(api, user, case) == MASKED, user
    second = api.get("admin", f"/api/v1/cases/{case['id']}").json["parties"][1]
    assert second == {"name": "李*", "phone": None, "id_number": None, "role": "respondent"}


def test_once_claimed_and_escalated_the_assignee_and_the_new_levels_mediators_see_them(api):
    case = api.report("gw1").json
    claimed = api.event("med_comm", case, "claim").json
    assert first_party(api, "med_comm", claimed) == UNMASKED  # the assignee
    escalated = api.event("med_comm", claimed, "escalate", reason="超出社区调解能力").json
    assert escalated["level"] == "street"
    for user in ("med_street", "med_street2"):
        assert first_party(api, user, escalated) == UNMASKED, user
    for user in ("med_comm", "med_comm2", "sup_street", "med_county", "admin"):
        assert first_party(api, user, escalated) == MASKED, user
    assert first_party(api, "gw1", escalated) == UNMASKED  # still his grid


def test_the_reporter_who_does_not_own_the_grid_sees_his_report_masked(api):
    reported = api.report("gw1", location=EAST)  # outside his grids: waits for gw3
    assert reported.status_code == 201 and reported.json["parties"][0] == MASKED
    assert first_party(api, "gw3", reported.json) == UNMASKED


def test_revealing_answers_the_parties_unmasked_and_keeps_who_when_and_why(api):
    case = api.report("gw1").json
    revealed = api.post("admin", f"/api/v1/cases/{case['id']}/reveal", {"reason": "核实当事人身份以便回访"})
    assert revealed.status_code == 200 and revealed.headers["Cache-Control"] == "no-store"
    assert revealed.json["case_id"] == case["id"] and revealed.json["number"] == case["number"]
    assert revealed.json["parties"][0] == UNMASKED
    assert first_party(api, "admin", case) == MASKED  # a reveal shows, it does not unmask for later
    [entry] = api.get("admin", "/api/v1/audit?kind=personal.reveal").json["items"]
    assert entry["actor"] == "admin" and entry["subject"] == f"case:{case['id']}" and entry["client"] == "127.0.0.1"
    assert entry["data"] == {"number": case["number"], "reason": "核实当事人身份以便回访", "parties": 2}


def test_a_reveal_needs_a_reason_and_a_case_the_caller_may_see(api):
    case = api.report("gw1").json
    for body in ({}, {"reason": ""}, {"reason": " x "}):
        refused = api.post("sup_city", f"/api/v1/cases/{case['id']}/reveal", body)
        assert refused.status_code == 422 and refused.json["error"]["field"].startswith("reason"), body
    outside = api.post("med_comm_east", f"/api/v1/cases/{case['id']}/reveal", {"reason": "想看看"})
    assert outside.status_code == 404  # not his area: the case does not exist for him
    assert api.post("gw1", "/api/v1/cases/999/reveal", {"reason": "想看看"}).status_code == 404
    assert api.client.post(f"/api/v1/cases/{case['id']}/reveal", json={"reason": "想看看"}).status_code == 401
    assert api.get("admin", "/api/v1/audit?kind=personal").json["total"] == 0


def test_answers_with_personal_data_are_never_stored_by_a_cache(api):
    case = api.report("gw1").json
    for url in (f"/api/v1/cases/{case['id']}", f"/api/v1/cases/{case['id']}/timeline", "/api/v1/cases"):
        assert api.get("med_comm", url).headers["Cache-Control"] == "no-store", url
