"""Hostile and invalid input gets a 4xx with the usual error body, never a 500, and stores nothing
(both back ends: PostgreSQL refuses what SQLite takes, e.g. NUL characters and big integers)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gridflow.models import Case
from tests.cases_helpers import EAST, IN_A_MONTH, PASSWORD, WEST_NW, Api, setup_city


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def stored_cases(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def raw_post(api, url, data: bytes, user="gw1", content_type="application/json"):
    return api.client.post(url, data=data, headers={**api.headers(user), "Content-Type": content_type})


def error_of(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert set(response.json) == {"error"} and {"code", "message"} <= set(response.json["error"])
    return response.json["error"]


REPORT = b'{"kind": "incident", "category": "G01", "description": %s, "location": {"lon": %s, "lat": 35.85}}'


def report_bytes(description: bytes = b'"rubbish"', lon: bytes = b"115.01") -> bytes:
    return REPORT % (description, lon)


def test_the_raw_report_body_used_here_is_accepted(api, db):
    assert raw_post(api, "/api/v1/cases", report_bytes()).status_code == 201 and stored_cases(db) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{nope",
        b"",
        b'{"kind": "incident"',
        b'{"kind": "incident"} trailing',
        b'{"kind": "\xff"}',  # not UTF-8
        b"[" * 50_000 + b"]" * 50_000,  # nested 50,000 deep
        b'{"kind": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    ],
)
def test_a_body_that_is_not_json_is_400(api, db, body):
    error = error_of(raw_post(api, "/api/v1/cases", body), 400)
    assert error["code"] == "bad_json" and error["field"] == "body"
    assert stored_cases(db) == 0


def test_a_body_that_is_json_but_not_an_object_is_422(api):
    assert error_of(raw_post(api, "/api/v1/cases", b"[1, 2]"), 422)["field"] == "body"
    assert error_of(raw_post(api, "/api/v1/cases", b"null"), 422)["field"] == "body"


def test_a_body_sent_as_another_media_type_is_415(api):
    assert error_of(raw_post(api, "/api/v1/cases", report_bytes(), content_type="text/plain"), 415)["field"] == "body"


@pytest.mark.parametrize(
    "description,field",
    [
        (rb'"\ud800"', "description"),  # a lone surrogate
        (rb'"ok \udfff then"', "description"),
        (rb'"\u0000"', "description"),  # PostgreSQL refuses NUL in text
        (rb'"a\u0000b"', "description"),
    ],
)
def test_lone_surrogates_and_nul_characters_are_422_naming_the_field(api, db, description, field):
    error = error_of(raw_post(api, "/api/v1/cases", report_bytes(description)), 422)
    assert error["field"] == field
    assert stored_cases(db) == 0


def test_a_lone_surrogate_in_a_party_name_names_the_party(api, db):
    body = (
        b'{"kind": "dispute", "category": "D02", "description": "x", "location": {"lon": 115.01, "lat": 35.85},'
        b' "parties": [{"name": "ok", "role": "applicant"}, {"name": "\\ud83d", "role": "respondent"}]}'
    )
    assert error_of(raw_post(api, "/api/v1/cases", body), 422)["field"] == "parties[1].name"


def test_a_login_name_with_a_lone_surrogate_or_nul_is_422(api):
    for name in (rb'"gw1\udc80"', rb'"gw\u00001"'):
        body = b'{"username": %s, "password": "%s"}' % (name, PASSWORD.encode())
        response = api.client.post("/api/v1/auth/token", data=body, content_type="application/json")
        assert error_of(response, 422)["field"] == "username"


@pytest.mark.parametrize(
    "lon", [b"9" * 400, b"1e400", b"-1e400", b"1" + b"0" * 400 + b".5", b"Infinity", b"NaN", b'"115"', b"true"]
)
def test_numbers_the_float_cannot_hold_are_422(api, db, lon):
    # (NaN and Infinity are not JSON, but the parser reads them as numbers: the field refuses them)
    assert error_of(raw_post(api, "/api/v1/cases", report_bytes(lon=lon)), 422)["field"] == "location.lon"
    assert stored_cases(db) == 0


def test_ids_beyond_the_integer_range_are_404_in_paths_and_422_in_bodies(api):
    case = api.report("gw1").json
    for big in (2**31, 2**63, 10**400):
        assert error_of(api.get("gw1", f"/api/v1/cases/{big}"), 404)
        assert error_of(api.get("gw1", f"/api/v1/cases/{big}/timeline"), 404)
        assert error_of(api.post("gw1", f"/api/v1/cases/{big}/events", {"event": "verify", "version": 1}), 404)
    for into in (2**31, 2**63):
        body = b'{"event": "merge", "version": %d, "into": %d}' % (case["version"], into)
        assert error_of(raw_post(api, f"/api/v1/cases/{case['id']}/events", body, "med_comm"), 422)["field"] == "into"
    body = b'{"event": "claim", "version": %d}' % 2**63
    assert error_of(raw_post(api, f"/api/v1/cases/{case['id']}/events", body, "med_comm"), 422)["field"] == "version"


def test_an_extension_of_ten_to_the_400_is_422(api):
    case = api.report("gw1").json
    case = api.event("med_comm", case, "claim").json
    body = b'{"event": "extend", "version": %d, "reason": "x", "extend_by": 1%s}' % (case["version"], b"0" * 400)
    assert error_of(raw_post(api, f"/api/v1/cases/{case['id']}/events", body, "sup_comm"), 422)["field"] == "extend_by"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases?query=x&date_from=2026-01-01&case_number=1&owner=2",
        "/api/v1/queue?state=open",
        "/api/v1/categories?lang=en",
        "/api/v1/locate?lon=115&lat=35&srid=4326",
        "/api/v1/cases/1?full=1",
    ],
)
def test_unknown_query_parameters_are_400_naming_them(api, url):
    error = error_of(api.get("admin", url), 400)
    names = [kv.split("=")[0] for kv in url.split("?")[1].split("&")]
    unknown = [n for n in names if n not in ("lon", "lat")]
    assert error["code"] == "unknown_parameter" and error["field"] == unknown[0]
    assert all(name in error["message"] for name in unknown)


def test_nul_characters_in_query_parameters_are_rejected(api):
    assert error_of(api.get("admin", "/api/v1/cases?division=41%0002"), 422)["field"] == "division"
    assert error_of(api.get("admin", "/api/v1/cases?category=D0%002"), 422)["field"] == "category"
    assert error_of(api.get("admin", "/api/v1/cases?a%00b=1"), 400)["code"] == "unknown_parameter"
    assert error_of(api.get("admin", "/api/v1/locate?lon=1%00&lat=2"), 422)["field"] == "lon"


def test_query_numbers_out_of_range_or_repeated_are_422(api):
    assert error_of(api.get("admin", f"/api/v1/locate?lon={'9' * 400}&lat=35"), 422)["field"] == "lon"
    assert error_of(api.get("admin", "/api/v1/locate?lon=nan&lat=35"), 422)["field"] == "lon"
    assert error_of(api.get("admin", f"/api/v1/queue?page={'9' * 400}"), 422)["field"] == "page"
    assert error_of(api.get("admin", "/api/v1/cases?state=open&state=closed"), 422)["field"] == "state"


# -- limits on events ----------------------------------------------------------------------------
def test_a_party_must_name_its_role_and_a_reachable_phone(api, db):
    party = {"name": "王五", "phone": "13912345678"}
    assert error_of(api.report("gw1", parties=[party]), 422)["field"] == "parties[0].role"
    for phone in ("12345", "23912345678", "1391234567", "010-123456", "+8613912345678"):
        bad = api.report("gw1", parties=[party | {"role": "third_party", "phone": phone}])
        assert error_of(bad, 422)["field"] == "parties[0].phone", phone
    assert stored_cases(db) == 0
    for phone in ("13912345678", "010-12345678", "0393-1234567", "03931234567"):
        assert api.report("gw1", parties=[party | {"role": "third_party", "phone": phone}]).status_code == 201


def test_extensions_are_capped_per_level_and_each_at_most_the_levels_limit(api):
    case = api.report("gw1").json  # D02: 5 working days at community level
    case = api.event("med_comm", case, "claim").json
    too_long = api.event("sup_comm", case, "extend", reason="x", extend_by=6)
    assert error_of(too_long, 422)["field"] == "extend_by"
    for left in (1, 0):
        case = api.event("sup_comm", case, "extend", reason="当事人住院", extend_by=5).json
        assert case["extensions_left"] == left
    assert "extend" not in api.get("sup_comm", f"/api/v1/cases/{case['id']}").json["allowed_events"]
    assert error_of(api.event("sup_comm", case, "extend", reason="x", extend_by=1), 409)["field"] == "event"
    case = api.event("med_comm", case, "escalate", reason="调解未果").json
    case = api.event("med_street", case, "claim").json
    assert case["extensions_left"] == 2 and case["extensions"] == 2
    assert api.event("sup_street", case, "extend", reason="x", extend_by=1).status_code == 200


def test_an_agreements_performance_deadline_is_after_signing_and_within_two_years(api):
    case = api.report("gw1").json
    case = api.event("med_comm", case, "claim").json
    today = date.today()
    for deadline in (today - timedelta(days=1), today - timedelta(days=400), today + timedelta(days=2 * 366 + 2)):
        agreement = {"terms": "赔偿", "performance_deadline": deadline.isoformat()}
        bad = api.event("med_comm", case, "resolve", outcome="x", agreement=agreement)
        assert error_of(bad, 422)["field"] == "agreement.performance_deadline"
    agreement = {"terms": "赔偿", "performance_deadline": IN_A_MONTH}
    assert api.event("med_comm", case, "resolve", outcome="x", agreement=agreement).status_code == 200


# -- possible duplicates, times ------------------------------------------------------------------
def test_possible_duplicates_list_only_cases_the_reporter_may_see(api):
    theirs = api.report("gw3", location=EAST).json  # gw3's grid: gw1 may not see it
    mine = api.report("gw1", location=EAST)
    assert mine.status_code == 201 and mine.json["possible_duplicates"] == []
    again = api.report("gw3", location=EAST).json
    assert [d["id"] for d in again["possible_duplicates"]] == [theirs["id"], mine.json["id"]]
    assert api.get("gw1", f"/api/v1/cases/{theirs['id']}").status_code == 404


LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def times_in(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from times_in(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from times_in(v, key)
    elif key.endswith("_at") or key in ("deadline", "at"):
        yield key, value


def test_every_time_the_api_returns_is_local_time_with_its_offset(api):
    case = api.report("gw1", location=WEST_NW).json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "record", session={"summary": "双方到场"}).json
    agreement = {"terms": "赔偿", "performance_deadline": IN_A_MONTH}
    case = api.event("med_comm", case, "resolve", outcome="x", agreement=agreement).json
    case = api.event("gw1", case, "verify").json
    case = api.event("gw1", case, "follow_up", visit={"notes": "已履行", "performed": True}).json
    timeline = api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json
    found = dict(times_in(case)) | {"event.at": timeline["events"][0]["at"]}
    assert {"held_at", "signed_at", "visited_at", "created_at", "closed_at", "event.at"} <= set(found)
    for key, value in list(times_in(case)) + list(times_in(timeline)):
        assert value is None or LOCAL_TIME.match(value), (key, value)
    assert re.match(r"^\d{4}-\d\d-\d\d$", case["agreement"]["performance_deadline"])
