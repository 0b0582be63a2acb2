"""Finding cases: by number, by any two or more characters of the description or the address (the
back end's substring index, a bounded scan for two), the filters and the orders; unknown query
parameters refused on every GET route of the API.  Both back ends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import text

from gridflow.cases import search as case_search
from gridflow.clock import CST
from tests.cases_helpers import EAST, WEST_SW, Api, setup_city
from tests.helpers import invoke


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def china(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=CST)


@contextmanager
def at(api, when: str) -> Iterator[None]:
    """China time `when` (tokens are asked for again: they expire)."""
    api.tokens.clear()
    with time_machine.travel(china(when), tick=False):
        yield
    api.tokens.clear()


def report(api, user="gw1", **body) -> dict:
    r = api.report(user, **body)
    assert r.status_code == 201, r.json
    return r.json


def numbers(api, user: str, query: str) -> list[str]:
    r = api.get(user, f"/api/v1/cases?per_page=100&{query}")
    assert r.status_code == 200, r.json
    return [c["number"] for c in r.json["items"]]


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.json
    return response.json["error"]


@pytest.fixture
def texts(api) -> dict[str, dict]:
    """Cases with known words (the same city, one outside the med_comm's area)."""
    return {
        "leak": report(api, description="楼上漏水，邻里争执", address="华龙区幸福小区3号楼2单元"),
        "dog": report(api, description="Barking DOG at night, 100% loud_ness", address=None),
        "lamp": report(api, kind="incident", category="G01", description="路灯不亮", risk=None, parties=[]),
        "east": report(api, "gw3", description="东边漏水", location=EAST, address="清丰县幸福路"),
    }


@pytest.mark.parametrize(
    "q,found",
    [
        ("漏水", {"leak", "east"}),  # two characters: the bounded scan
        ("邻里争执", {"leak"}),  # four: the trigram index
        ("水，邻", {"leak"}),  # across punctuation: any substring
        ("幸福小区3号楼", {"leak"}),  # the address
        ("幸福", {"leak", "east"}),  # two characters of addresses
        ("barking dog", {"dog"}),  # letter case ignored, spaces inside
        ("100%", {"dog"}),  # LIKE's characters are only characters
        ("loud_ness", {"dog"}),
        ("lo_d", set()),  # no wildcards
        ("ark%dog", set()),
        ('"dog', set()),  # a quote inside a phrase
        ("路灯不亮了", set()),
        ("不亮", {"lamp"}),
    ],
)
def test_q_finds_any_substring_of_description_or_address(api, texts, q, found):
    from urllib.parse import quote

    by_number = {c["number"]: name for name, c in texts.items()}
    assert {by_number[n] for n in numbers(api, "admin", f"q={quote(q)}")} == found
    # Inside the caller's area only: the community mediator never finds the case in the east.
    assert {by_number[n] for n in numbers(api, "med_comm", f"q={quote(q)}")} == found - {"east"}


def test_q_needs_two_characters(api):
    assert error_of(api.get("admin", "/api/v1/cases?q=x"), 422)["field"] == "q"
    assert error_of(api.get("admin", "/api/v1/cases?q=%20x%20"), 422)["field"] == "q"


def test_the_case_address_comes_from_the_report_or_its_entity(api):
    given = report(api, address="幸福小区3号楼")
    assert api.get("admin", f"/api/v1/cases/{given['id']}").json["address"] == "幸福小区3号楼"
    at_entity = report(api, location=None, entity="S1")
    assert at_entity["address"]  # the entity's name (and address, when it has one)
    assert numbers(api, "admin", f"q={at_entity['address'][:3]}") == [at_entity["number"]]


def test_the_index_follows_changes_of_the_texts(api, db, texts):
    """The SQLite index is kept by triggers (insert, update of the texts, delete); PostgreSQL's GIN
    indexes by the table itself: the same answers either way."""
    leak = texts["leak"]
    with db.session(write=True) as s:
        s.execute(text("UPDATE case_file SET description = '屋顶破损漏雨' WHERE id = :id"), {"id": leak["id"]})
    assert numbers(api, "admin", "q=邻里争执") == []
    assert numbers(api, "admin", "q=屋顶破损") == [leak["number"]]
    assert numbers(api, "admin", "q=幸福小区") == [leak["number"]]  # the address kept its entry


def test_a_two_character_search_reads_only_the_newest_cases(api, texts, monkeypatch):
    monkeypatch.setattr(case_search, "SHORT_SCAN_ROWS", 2)  # the lamp and the east case
    page = api.get("admin", "/api/v1/cases?q=漏水").json
    assert [c["number"] for c in page["items"]] == [texts["east"]["number"]] and page["partial"]
    page = api.get("med_comm", "/api/v1/cases?q=漏水").json  # inside his area: none of the two
    assert page["items"] == [] and page["partial"]
    page = api.get("admin", "/api/v1/cases?q=漏水了吗").json  # three or more: always everywhere
    assert page["partial"] is False
    monkeypatch.setattr(case_search, "SHORT_SCAN_ROWS", 4)
    page = api.get("med_comm", "/api/v1/cases?q=漏水").json
    assert [c["number"] for c in page["items"]] == [texts["leak"]["number"]] and not page["partial"]


def test_number_finds_one_case_and_by_number_answers_it_inside_the_area_only(api, texts):
    leak, east = texts["leak"], texts["east"]
    assert numbers(api, "admin", f"number={leak['number']}") == [leak["number"]]
    assert numbers(api, "med_comm", f"number={east['number']}") == []
    found = api.get("med_comm", f"/api/v1/cases/by-number/{leak['number']}")
    assert found.status_code == 200 and found.json["id"] == leak["id"] and found.json["parties"]
    assert error_of(api.get("med_comm", f"/api/v1/cases/by-number/{east['number']}"), 404)["field"] == "id"
    assert api.get("gw3", f"/api/v1/cases/by-number/{east['number']}").status_code == 200
    assert error_of(api.get("admin", "/api/v1/cases/by-number/410902-20000101-99999"), 404)["field"] == "number"
    assert error_of(api.get("admin", "/api/v1/cases?number=12%2034"), 422)["field"] == "number"


def test_filters_by_grid_risk_assignee_and_escalation(api, texts):
    leak = api.event("med_comm", texts["leak"], "claim").json
    dog = report(api, location=WEST_SW, description="广场舞噪音", risk="red")
    assert set(numbers(api, "admin", "grid=410902001001003")) == {dog["number"]}
    assert error_of(api.get("admin", "/api/v1/cases?grid=410902001009999"), 422)["field"] == "grid"
    assert set(numbers(api, "admin", "risk=red")) == {dog["number"]}
    assert numbers(api, "admin", f"assignee={leak['assignee']['id']}") == [leak["number"]]
    escalated = api.event("med_comm", leak, "escalate", reason="需要街道协调").json
    assert numbers(api, "admin", "escalated=true") == [escalated["number"]]
    assert escalated["number"] not in numbers(api, "admin", "escalated=false")
    assert len(numbers(api, "admin", "escalated=false")) == 4


def test_from_and_to_are_report_days_in_china(api):
    with at(api, "2026-11-20T23:30"):  # 15:30 UTC: the 20th in China
        late = report(api)
    with at(api, "2026-11-21T00:30"):
        early = report(api)
    assert numbers(api, "admin", "from=2026-11-21") == [early["number"]]
    assert numbers(api, "admin", "to=2026-11-20") == [late["number"]]
    assert numbers(api, "admin", "from=2026-11-20&to=2026-11-21") == [early["number"], late["number"]]
    assert error_of(api.get("admin", "/api/v1/cases?from=2026-11-22&to=2026-11-21"), 422)["field"] == "to"


def test_ever_overdue_counts_what_the_sweep_found_and_what_is_late_now(api, runner):
    body = {"kind": "incident", "category": "G01", "description": "垃圾堆积", "risk": None, "parties": []}
    with at(api, "2026-11-20T16:00"):  # G01: one working day
        stays, returned = report(api, **body), report(api, **body)
    with at(api, "2026-11-23T09:00"):
        late = report(api, **body)
    with at(api, "2026-11-23T10:00"):  # before anything was late
        assert numbers(api, "admin", "ever_overdue=true") == []
    result = invoke(runner, "sweep", "--now", "2026-11-23T17:31")
    assert result.exit_code == 0 and "2 escalated" in result.output, result.output
    with at(api, "2026-11-23T18:00"):  # back down, on a new clock
        case = api.event("med_street", api.get("admin", f"/api/v1/cases/{returned['id']}").json, "claim").json
        assert api.event("med_street", case, "return", reason="社区处理").status_code == 200
    with at(api, "2026-11-24T11:00"):
        fine = report(api, **body)
    with at(api, "2026-11-24T17:45"):  # `late` is past its deadline (the day's close), unswept
        assert late["number"] in numbers(api, "admin", "overdue=true")
        ever = {stays["number"], returned["number"], late["number"]}
        assert set(numbers(api, "admin", "ever_overdue=true")) == ever
        assert numbers(api, "admin", "ever_overdue=false") == [fine["number"]]


def test_sort_by_deadline_reported_or_risk(api, db):
    body = {"description": "邻里纠纷"}
    yellow, red, later = (
        report(api, risk="yellow", **body),
        report(api, risk="red", **body),
        report(api, risk="red", **body),
    )
    deadlines = {yellow["id"]: "2026-12-01 02:10", red["id"]: "2026-12-01 02:40", later["id"]: "2026-12-01 03:05"}
    with db.session(write=True) as s:  # (UTC) yellow and red due in the same hour, later in the next
        for case_id, deadline in deadlines.items():
            s.execute(text("UPDATE case_file SET deadline = :d WHERE id = :id"), {"d": deadline, "id": case_id})
    newest = [later["number"], red["number"], yellow["number"]]
    assert numbers(api, "admin", "q=邻里纠纷") == newest
    assert numbers(api, "admin", "q=邻里纠纷&sort=reported") == newest
    assert numbers(api, "admin", "q=邻里纠纷&sort=deadline") == newest[::-1]
    # Within the same deadline hour the red one comes first; the next hour after.
    assert numbers(api, "admin", "q=邻里纠纷&sort=risk") == [red["number"], yellow["number"], later["number"]]
    assert error_of(api.get("admin", "/api/v1/cases?sort=urgency"), 422)["field"] == "sort"


def test_unknown_query_parameters_are_400_on_every_get_route_of_the_api(api, app, texts):
    values = {"case_id": str(texts["leak"]["id"]), "number": texts["leak"]["number"], "year": "2027"}
    checked = []
    for rule in app.url_map.iter_rules():
        if (
            not rule.rule.startswith("/api/v1/")
            or "GET" not in rule.methods
            or rule.rule.endswith(("/docs", "/openapi.json"))
        ):
            continue
        if any(arg not in values for arg in rule.arguments):
            continue  # routes about other things (categories, users, files) take the same layer
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)
        error = error_of(api.get("admin", f"{path}?bogus=1"), 400)
        assert error["code"] == "unknown_parameter" and error["field"] == "bogus", path
        checked.append(path)
    assert len(checked) >= 15


def test_the_queue_page_finds_by_the_same_search(api, client, texts):
    from tests.web_helpers import web_login

    web_login(client, "med_comm")
    for q, found in (("幸福小区3号", True), ("幸福", True), ("邻里争执", True), ("东边漏水", False)):
        page = client.get(f"/queue?q={q}").get_data(as_text=True)
        assert (texts["leak"]["number"] in page) is found, q
    assert texts["leak"]["number"][-8:] in client.get(f"/queue?q={texts['leak']['number'][-8:]}").get_data(as_text=True)


def test_three_characters_are_looked_up_in_the_index_not_the_table(api, db, texts):
    from gridflow.cases.lists import search_statement
    from gridflow.clock import utcnow
    from gridflow.schemas.cases import CaseSearch
    from gridflow.workflow.rules import ADMIN, Actor
    from tests.test_contracts import Explain

    with db.session() as s:
        stmt, _ = search_statement(s, Actor(None, "a", ADMIN), CaseSearch(q="邻里争执"), utcnow())
    with db.engine.connect() as conn:
        conn.begin()
        if db.is_postgres:  # GIN answers by bitmap scans: the sequential scan and plain index scans (the
            # primary key read newest first, filtering every row) are priced out
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_indexscan = off"))
        plan = "\n".join(str(row[-1]) for row in conn.execute(Explain(stmt)))
        conn.rollback()
    if db.is_postgres:
        assert "ix_case_trgm_description" in plan and "ix_case_trgm_address" in plan, plan
    else:
        assert "case_search VIRTUAL TABLE INDEX" in plan and "SCAN case_file" not in plan, plan
