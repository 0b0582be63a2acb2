"""The working calendar kept by the office: overrides before the holidays package, for the deadlines
computed after them; CSV imports all or nothing; confirmed years; admins only; every worker at once."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from gridflow import create_app
from gridflow.db import get_db
from gridflow.workflow.calendar import CST
from tests.cases_helpers import Api, setup_city
from tests.helpers import invoke


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def china(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=CST)


def deadline_of_g01(api, when: str = "2026-11-20T16:00") -> str:
    """A G01 report (1 working day at community level) at `when`: its deadline, China time."""
    with time_machine.travel(china(when), tick=False):
        r = api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[])
    assert r.status_code == 201, r.json
    return r.json["deadline"]


def cli(runner, *args):
    result = runner.invoke(args=["gridflow", "calendar", *args])
    assert "Traceback" not in result.output
    return result


# -- overrides and deadlines -----------------------------------------------------------------------------
def test_an_override_changes_the_deadlines_computed_after_it_and_not_those_set_before(api):
    before = deadline_of_g01(api)  # Friday 16:00: Monday's close
    assert before == "2026-11-23T17:30:00+08:00"
    first = api.get("admin", "/api/v1/cases?category=G01").json["items"][0]
    r = api.post("admin", "/api/v1/calendar/overrides", {"date": "2026-11-23", "kind": "holiday", "name": "测试假日"})
    assert r.status_code == 200, r.json
    assert r.json["overrides"] == [{"date": "2026-11-23", "kind": "holiday", "name": "测试假日"}]
    assert deadline_of_g01(api) == "2026-11-24T17:30:00+08:00"  # Monday off: Tuesday's close
    assert api.get("admin", f"/api/v1/cases/{first['id']}").json["deadline"] == before  # set before: stays

    assert api.post("admin", "/api/v1/calendar/overrides", {"date": "2026-11-21", "kind": "workday"}).status_code == 200
    assert deadline_of_g01(api) == "2026-11-21T17:30:00+08:00"  # Saturday worked (调休)

    assert api.client.delete("/api/v1/calendar/overrides/2026-11-21", headers=api.headers("admin")).status_code == 200
    assert deadline_of_g01(api) == "2026-11-24T17:30:00+08:00"  # the package decides Saturday again
    gone = api.client.delete("/api/v1/calendar/overrides/2026-11-21", headers=api.headers("admin"))
    assert gone.status_code == 404


def test_a_holiday_declared_later_moves_the_deadline_of_an_escalation_after_it(api, runner):
    case_deadline = deadline_of_g01(api)
    assert case_deadline == "2026-11-23T17:30:00+08:00"
    assert cli(runner, "add-holiday", "2026-11-25", "测试假日").exit_code == 0
    assert "1 escalated" in invoke(runner, "sweep", "--now", "2026-11-23T17:31").output
    case = api.get("admin", "/api/v1/cases?category=G01").json["items"][0]
    # street: 2 working days from Monday evening, Wednesday off: Thursday's close
    assert case["level"] == "street" and case["deadline"] == "2026-11-26T17:30:00+08:00"


def test_overrides_win_over_a_holiday_the_package_knows(api):
    # National Day 2026: 1–7 October off in the package; declared a working day here, 8 October is not needed.
    assert deadline_of_g01(api, "2026-09-30T10:00") == "2026-10-08T17:30:00+08:00"
    api.post("admin", "/api/v1/calendar/overrides", {"date": "2026-10-01", "kind": "workday"})
    assert deadline_of_g01(api, "2026-09-30T10:00") == "2026-10-01T17:30:00+08:00"


def test_a_change_through_one_worker_is_used_at_once_by_another(api, db_url, tmp_path):
    """Two web workers share nothing but the database: each keeps the calendar only for the revision it
    read, and reads the overrides again when another one changed them."""
    other = create_app(
        {"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    try:
        other_api = Api(other.test_client(), {})
        assert deadline_of_g01(other_api) == "2026-11-23T17:30:00+08:00"  # the other worker builds its calendar
        assert deadline_of_g01(api) == "2026-11-23T17:30:00+08:00"
        api.post("admin", "/api/v1/calendar/overrides", {"date": "2026-11-23", "kind": "holiday"})
        assert deadline_of_g01(other_api) == "2026-11-24T17:30:00+08:00"
        other_api.post("admin", "/api/v1/calendar/overrides", {"date": "2026-11-24", "kind": "holiday"})
        assert deadline_of_g01(api) == "2026-11-25T17:30:00+08:00"
    finally:
        get_db(other).dispose()


# -- the console -----------------------------------------------------------------------------------------
def test_the_console_shows_a_year_line_by_line_then_whether_it_is_confirmed(api, runner):
    assert cli(runner, "add-holiday", "2027-02-11", "春节").output == "2027-02-11 holiday 春节\n"
    assert cli(runner, "add-workday", "2027-02-20").exit_code == 0
    assert cli(runner, "add-holiday", "2028-01-03").exit_code == 0  # another year: not shown
    assert cli(runner, "show", "2027").output == "2027-02-11 holiday 春节\n2027-02-20 workday\n2027 confirmed: no\n"
    confirmed = cli(runner, "confirm", "2027", "--note", "国办发明电")
    assert confirmed.exit_code == 0 and confirmed.output.startswith("2027 confirmed: yes (")
    assert "+08:00 by cli:" in confirmed.output and confirmed.output.endswith(": 国办发明电)\n")
    again = cli(runner, "confirm", "2027", "--note", "again")  # keeps the first confirmation
    assert again.output == confirmed.output
    shown = cli(runner, "show", "2027").output.splitlines()
    assert shown[:2] == ["2027-02-11 holiday 春节", "2027-02-20 workday"] and shown[2] == confirmed.output.strip()
    assert cli(runner, "add-holiday", "2027-02-20", "春节").exit_code == 0  # replaces the workday
    assert cli(runner, "show", "2027").output.splitlines()[1] == "2027-02-20 holiday 春节"
    assert cli(runner, "remove", "2027-02-20").exit_code == 0
    assert len(cli(runner, "show", "2027").output.splitlines()) == 2


@pytest.mark.parametrize(
    "args,message",
    [
        (["add-holiday", "2027-02-30"], "date: is not a day of the calendar"),
        (["add-holiday", "20270211"], "date: must be a date written YYYY-MM-DD"),
        (["add-workday", "1999-01-02"], "date: must lie in the years 2000 to 2099"),
        (["remove", "2027-03-01"], "no override on 2027-03-01"),
        (["show", "1999"], "1999 is not in the range"),
        (["confirm", "3000"], "3000 is not in the range"),
    ],
)
def test_the_console_names_a_bad_date_or_year(api, runner, args, message):
    result = cli(runner, *args)
    assert result.exit_code != 0 and message in result.output, result.output


# -- CSV imports -------------------------------------------------------------------------------------
GOOD = """date,kind,name
2027-01-01,holiday,元旦
# 春节
2027-02-11,休,春节
2027-02-20,班,春节调休

2027-02-12,holiday,"春节, 初五"
"""


def test_a_csv_file_imports_every_override(api, runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(GOOD, encoding="utf-8-sig")  # as Excel saves UTF-8
    result = cli(runner, "import", str(path))
    assert result.exit_code == 0 and result.output == "4 override(s) imported; now 2027 (4 overrides)\n", result.output
    assert cli(runner, "show", "2027").output.splitlines()[:4] == [
        "2027-01-01 holiday 元旦",
        "2027-02-11 holiday 春节",
        "2027-02-12 holiday 春节, 初五",
        "2027-02-20 workday 春节调休",
    ]
    gbk = tmp_path / "2028.csv"
    gbk.write_bytes("2028-01-01,holiday,元旦\n".encode("gb18030"))  # as Excel on Chinese Windows saves it
    assert cli(runner, "import", str(gbk)).exit_code == 0
    assert cli(runner, "show", "2028").output.startswith("2028-01-01 holiday 元旦\n")


BAD = """date,kind,name
2027-01-01,holiday,元旦
2027-02-30,holiday,春节
2027-02-11,vacation,春节
2027-02-20
2027-01-01,workday,again
2027-03-01,holiday,x,y
"""


def test_a_csv_file_with_bad_lines_is_refused_whole_naming_each_line(api, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    result = cli(runner, "import", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:5] == [
        "line 3: date: is not a day of the calendar",
        "line 4: kind: input should be 'holiday' or 'workday'",
        "line 5: expected date,kind,name (the name may be left out), found 1 field(s)",
        "line 6: 2027-01-01 is on line 2 already",
        "line 7: expected date,kind,name (the name may be left out), found 4 field(s)",
    ]
    assert "5 bad line(s): nothing imported" in lines[5]
    assert cli(runner, "show", "2027").output == "2027 confirmed: no\n"  # not even line 2

    r = api.post("admin", "/api/v1/calendar/import", {"csv": BAD})
    assert r.status_code == 422 and r.json["error"]["field"] == "csv"
    assert [e["line"] for e in r.json["error"]["lines"]] == [3, 4, 5, 6, 7]
    assert r.json["error"]["message"].startswith("5 bad line(s), nothing imported: line 3: date:")
    assert api.get("admin", "/api/v1/calendar/2027").json["overrides"] == []


def test_the_api_imports_confirms_and_shows_a_year(api):
    r = api.post("admin", "/api/v1/calendar/import", {"csv": GOOD})
    assert r.status_code == 200 and r.json["imported"] == 4 and [y["year"] for y in r.json["years"]] == [2027]
    assert api.post("admin", "/api/v1/calendar/import", {"csv": "# nothing\n"}).status_code == 422
    confirmed = api.post("admin", "/api/v1/calendar/2027/confirm", {"note": "国办发明电〔2026〕号"})
    assert confirmed.status_code == 200 and confirmed.json["confirmed"] and confirmed.json["confirmed_by"] == "admin"
    assert confirmed.json["confirmed_note"] == "国办发明电〔2026〕号"
    year = api.get("med_comm", "/api/v1/calendar/2027").json
    assert year["confirmed"] and year["confirmed_at"].endswith("+08:00") and len(year["overrides"]) == 4
    assert api.get("med_comm", "/api/v1/calendar/1999").status_code == 404
    assert api.get("med_comm", "/api/v1/calendar/2026").json == {
        "year": 2026,
        "confirmed": False,
        "confirmed_at": None,
        "confirmed_by": None,
        "confirmed_note": None,
        "overrides": [],
    }


@pytest.mark.parametrize("user", ["gw1", "med_comm", "sup_city"])
def test_only_admins_change_the_calendar(api, user):
    writes = [
        ("post", "/api/v1/calendar/overrides", {"date": "2027-02-11", "kind": "holiday"}),
        ("post", "/api/v1/calendar/import", {"csv": GOOD}),
        ("post", "/api/v1/calendar/2027/confirm", {}),
        ("delete", "/api/v1/calendar/overrides/2027-01-01", None),
    ]
    api.post("admin", "/api/v1/calendar/overrides", {"date": "2027-01-01", "kind": "holiday"})
    for method, url, body in writes:
        send = getattr(api.client, method)
        assert send(url, json=body, headers=api.headers(user)).status_code == 403, url
        assert send(url, json=body).status_code == 401, url
    year = api.get(user, "/api/v1/calendar/2027").json  # reading is for every user
    assert not year["confirmed"] and year["overrides"] == [{"date": "2027-01-01", "kind": "holiday", "name": None}]
    assert api.client.get("/api/v1/calendar/2027").status_code == 401


def test_a_calendar_change_is_written_to_the_audit_log(api):
    api.post("admin", "/api/v1/calendar/overrides", {"date": "2027-02-11", "kind": "holiday", "name": "春节"})
    api.post("admin", "/api/v1/calendar/2027/confirm", {})
    entries = api.get("admin", "/api/v1/audit?kind=calendar").json["items"]  # newest first
    assert [(e["kind"], e["subject"], e["actor"]) for e in entries] == [
        ("calendar.confirm", "2027", "admin"),
        ("calendar.holiday", "2027-02-11", "admin"),
    ]
    assert entries[1]["data"]["name"] == "春节" and entries[1]["client"]
