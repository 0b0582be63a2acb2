"""The evaluation figures: each computed by hand on a scripted history, and the answer of the kept
facts compared with a full recount from the stored timelines (both back ends)."""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from gridflow.categories.store import versions
from gridflow.clock import CST
from gridflow.models import Case, CaseEvent, Division
from gridflow.stats.figures import Counts, figures
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.table import ACTIVE
from gridflow.workflow.timeline import deadlines
from tests.cases_helpers import Api, setup_city

NOW = "2026-11-05T10:00"  # Thursday; the history runs from Monday 2 November
ORAL = {"form": "oral", "terms": "双方和解"}


def china(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=CST)


class Script:
    def __init__(self, api: Api):
        self.api = api

    def at(self, when: str, user: str, case: dict, event: str, **data) -> dict:
        with time_machine.travel(china(when), tick=False):
            self.api.tokens.clear()  # a token of another day has expired
            r = self.api.event(user, case, event, **data)
        assert r.status_code == 200, r.json
        return r.json

    def report(self, when: str, user: str = "gw1", **body) -> dict:
        with time_machine.travel(china(when), tick=False):
            self.api.tokens.clear()
            r = self.api.report(user, **body)
        assert r.status_code == 201, r.json
        return r.json


def incident(**kw):
    return {"kind": "incident", "category": "G01", "description": "垃圾堆积", "risk": None, "parties": [], **kw}


def history(api: Api) -> None:
    """Seven cases (see the hand counts in the test below)."""
    s = Script(api)
    # A: a dispute settled at community level the next morning (8 office hours), parties satisfied.
    a = s.report("2026-11-02T10:00")
    a = s.at("2026-11-02T10:05", "med_comm", a, "claim")
    a = s.at("2026-11-03T10:00", "med_comm", a, "resolve", outcome="和解", agreement=ORAL)
    a = s.at("2026-11-03T11:00", "gw1", a, "verify")
    s.at("2026-11-04T09:00", "gw1", a, "follow_up", visit={"notes": "回访", "satisfied": True})
    # B: a dispute escalated to the street, reworked once, closed Wednesday 11:00 (15 office hours); not satisfied.
    b = s.report("2026-11-02T10:00")
    b = s.at("2026-11-02T10:30", "med_comm", b, "claim")
    b = s.at("2026-11-02T11:00", "med_comm", b, "escalate", reason="需街道协调")
    b = s.at("2026-11-02T11:30", "med_street", b, "claim")
    b = s.at("2026-11-03T10:00", "med_street", b, "resolve", outcome="和解", agreement=ORAL)
    b = s.at("2026-11-03T11:00", "gw1", b, "rework", reason="未落实")
    b = s.at("2026-11-04T10:00", "med_street", b, "resolve", outcome="和解", agreement=ORAL)
    b = s.at("2026-11-04T11:00", "gw1", b, "verify")
    s.at("2026-11-04T15:00", "gw1", b, "follow_up", visit={"notes": "回访", "satisfied": False})
    # C: an incident nobody took (1 working day: due Tuesday 17:30): overdue now.
    s.report("2026-11-02T10:00", **incident())
    # D: an incident reported this morning: not yet due.
    s.report("2026-11-05T09:30", **incident())
    # E: reported by a mediator: waits for the grid worker, not filed.
    s.report("2026-11-02T10:00", "med_comm", **incident())
    # F: an incident extended by the supervisor, closed Tuesday 11:00 (8 office hours).
    f = s.report("2026-11-02T10:00", **incident())
    f = s.at("2026-11-02T10:10", "med_comm", f, "claim")
    f = s.at("2026-11-02T11:00", "sup_comm", f, "extend", reason="需采购", extend_by=1)
    f = s.at("2026-11-03T10:00", "med_comm", f, "resolve", outcome="已清理")
    s.at("2026-11-03T11:00", "gw1", f, "verify")
    # G: an incident resolved after its deadline (Tuesday 17:30), closed Wednesday 11:00 (15 office hours).
    g = s.report("2026-11-02T10:00", **incident())
    g = s.at("2026-11-02T10:10", "med_comm", g, "claim")
    g = s.at("2026-11-04T10:00", "med_comm", g, "resolve", outcome="已清理")
    s.at("2026-11-04T11:00", "gw1", g, "verify")


def ask(api: Api, user: str = "sup_city", query: str = "") -> dict:
    with time_machine.travel(china(NOW), tick=False):
        api.tokens.clear()
        r = api.get(user, f"/api/v1/stats{query}")
    assert r.status_code == 200, r.json
    return r.json


def test_each_figure_by_hand(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    history(api)
    t = ask(api)["totals"]
    assert (t["reported"], t["filed"], t["closed"]) == (7, 6, 4)  # E not filed; A, B, F, G closed
    assert t["due"] == 5  # the four closed, and C (its first deadline passed); D not yet
    assert t["closure_rate"] == pytest.approx(4 / 5)
    assert t["on_time_rate"] == pytest.approx(3 / 5)  # G was resolved late
    assert (t["overdue_now"], t["ever_overdue"]) == (1, 2)  # C now; C and G ever
    assert t["rework_rate"] == pytest.approx(1 / 4)  # B
    assert t["extension_rate"] == pytest.approx(1 / 4)  # F
    # Handled at community: the six filed; escalated from it: B.  At the street: B, never escalated.
    assert t["escalation_rate"] == {"community": pytest.approx(1 / 6), "street": 0.0, "county": None}
    # Disputes closed: A (community) and B (street).
    assert t["settled_locally_rate"] == pytest.approx(0.5)
    assert t["settled_at_or_below"] == {"community": 0.5, "street": 1.0, "county": 1.0, "city": 1.0}
    # A and F 8 office hours, B and G 15 (Mon 10:00 → Wed 11:00: 6 + 7 + 2); 7 office hours a day.
    assert t["handling_hours"] == {"median": pytest.approx(11.5), "mean": pytest.approx(11.5)}
    assert t["handling_working_days"] == {"median": pytest.approx(11.5 / 7), "mean": pytest.approx(11.5 / 7)}
    assert t["satisfaction"] == pytest.approx(0.5)

    by_level = {g["key"]["level"]: g for g in ask(api, query="?group_by=level")["groups"]}
    assert (by_level["street"]["reported"], by_level["street"]["closed"]) == (1, 1)
    assert by_level["community"]["reported"] == 6

    answer = ask(api, query="?group_by=division,month&from=2026-11-03")
    assert answer["division"]["code"] == "410900" and answer["from"] == "2026-11-03"
    assert answer["totals"]["reported"] == 1  # only D was reported after Monday
    [group] = answer["groups"]
    assert group["key"] == {
        "division": {"code": "410902", "name": group["key"]["division"]["name"], "level": "county"},
        "month": "2026-11",
    }

    community = ask(api, "med_comm", "?group_by=division")
    assert community["division"]["code"] == "410902001001"
    assert {g["key"]["division"]["level"] for g in community["groups"]} == {"grid"}


def test_bad_questions(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    for query in ("?group_by=colour", "?group_by=level,level", "?group_by=level,month,duty", "?colour=red"):
        r = api.get("sup_city", f"/api/v1/stats{query}")
        assert r.status_code == 400, query
        assert r.json["error"]["field"] in ("group_by", "colour")
    assert api.get("sup_comm", "/api/v1/stats?division=410922").status_code == 404  # outside his area
    assert api.get("sup_comm", "/api/v1/stats?division=999999").status_code == 404
    assert api.get("gw1", "/api/v1/stats").status_code == 403
    assert api.get("sup_comm", "/api/v1/stats?from=yesterday").status_code == 422


# -- the recount: every figure again, straight from the stored timelines ---------------------------
def recount(db, division_code: str, now: datetime) -> Counts:
    """The counts of every case in the division, replaying each timeline (no kept facts)."""
    c = Counts(handled={}, escalated={}, settled={})
    calendar = WorkCalendar()
    hours: list[float] = []
    with db.session() as s:
        division = s.scalars(select(Division).where(Division.code == division_code)).one()
        cases = list(s.scalars(select(Case).where(getattr(Case, f"{division.level}_id") == division.id)))
        cats = versions(s, db, {(k.category, k.category_version) for k in cases})
        for case in cases:
            events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
            after = deadlines(events, cats[(case.category, case.category_version)].limit, calendar)
            filed = next((e.at for e in events if e.event in ("file", "auto_file")), None)
            first_deadline = next((d for e, d in zip(events, after) if e.event in ("file", "auto_file")), None)
            overdue_once = any(e.event == "flag_overdue" for e in events) or any(
                prev.to_state in ACTIVE and d is not None and e.at > d for prev, d, e in zip(events, after, events[1:])
            )
            overdue_now = case.state in ACTIVE and after[-1] is not None and now > after[-1]
            closed = case.state == "closed"
            levels = {e.to_level for e in events if filed is not None and e.at >= filed}
            visits = [json.loads(e.data).get("visit", {}).get("satisfied") for e in events if e.event == "follow_up"]
            told = [v for v in visits if v is not None]
            c.reported += 1
            c.filed += filed is not None
            c.closed += closed
            c.open_due += (
                case.state in ("open", "handling", "resolved") and first_deadline is not None and first_deadline < now
            )
            c.on_time += closed and not overdue_once
            c.overdue_now += overdue_now
            c.ever_overdue += overdue_once or overdue_now
            c.reworked += closed and case.reworks > 0
            c.extended += closed and case.extensions > 0
            for lvl in ("community", "street", "county", "city"):
                c.handled[lvl] = c.handled.get(lvl, 0) + (lvl in levels)
                c.escalated[lvl] = c.escalated.get(lvl, 0) + any(
                    e.event == "escalate" and e.from_level == lvl for e in events
                )
            if closed and case.kind == "dispute":
                c.disputes_closed += 1
                top = max(("community", "street", "county", "city").index(lvl) for lvl in levels)
                for i, lvl in enumerate(("community", "street", "county", "city")):
                    c.settled[lvl] = c.settled.get(lvl, 0) + (top <= i)
            if told:
                c.satisfaction_told += 1
                c.satisfied += told[-1]
            if closed:
                hours.append(calendar.office_seconds_between(filed, case.closed_at) / 3600)
    if hours:
        # The median is of the times to the whole office hour (the mean is exact).
        c.hours_median = statistics.median([math.floor(h + 0.5) for h in hours])
        c.hours_n, c.hours_sum = len(hours), sum(hours)
        c.days_median, c.days_sum = c.hours_median / 7, c.hours_sum / 7
    return c


def test_kept_facts_equal_a_recount_from_the_timelines(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    history(api)
    # The sweep escalates C (overdue) on Thursday morning: the system's events keep the facts too.
    result = runner.invoke(args=["gridflow", "sweep", "--now", "2026-11-05T09:00+08:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for code in ("410900", "410902001001"):
        kept = ask(api, query=f"?division={code}")["totals"]
        again = json.loads(json.dumps(figures(recount(db, code, datetime.fromisoformat("2026-11-05T02:00")))))
        for name in again:
            assert kept[name] == pytest.approx(again[name]), (code, name)


def test_the_sheet_and_the_command_say_what_the_api_says(client, runner, tmp_path, db):
    import io

    from openpyxl import load_workbook

    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    history(api)
    answer = ask(api, query="?group_by=division,month")
    with time_machine.travel(china(NOW), tick=False):
        api.tokens.clear()
        r = api.get("sup_city", "/api/v1/stats.xlsx?group_by=division,month")
        en = api.get("sup_city", "/api/v1/stats.xlsx?lang=en")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert "考核表" in rows[0][0] and answer["division"]["name"] in rows[0][0]
    assert rows[1][:6] == ("区划", "月份", "上报数", "立案数", "应结案数", "结案数")
    [group] = answer["groups"]
    assert rows[2][:7] == ("410902 " + group["key"]["division"]["name"], "2026-11", 7, 6, 5, 4, pytest.approx(0.8))
    assert rows[3][0] == "合计" and rows[3][2] == answer["totals"]["reported"]
    en_rows = list(load_workbook(io.BytesIO(en.data)).active.iter_rows(values_only=True))
    assert en_rows[1][:2] == ("reported", "filed") and en_rows[2][0] == 7

    with time_machine.travel(china(NOW), tick=False):
        out = runner.invoke(args=["gridflow", "stats", "--json"], catch_exceptions=False)
        table = runner.invoke(args=["gridflow", "stats", "--group-by", "level"], catch_exceptions=False)
        bad = runner.invoke(args=["gridflow", "stats", "--group-by", "colour"], catch_exceptions=False)
        path = tmp_path / "kpi.xlsx"
        sheet = runner.invoke(args=["gridflow", "stats", "--xlsx", str(path)], catch_exceptions=False)
    assert json.loads(out.output)["totals"] == ask(api)["totals"]
    assert "80.0%" in table.output and "street" in table.output
    assert bad.exit_code == 1 and "group_by" in bad.output
    assert sheet.exit_code == 0 and list(load_workbook(path).active.iter_rows(values_only=True))[2][0] == 7


def test_the_dashboard_shows_the_figures_and_drills_down(client, runner, tmp_path, db):
    import io

    from openpyxl import load_workbook

    from tests.web_helpers import HTML, web_login

    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    history(api)
    with time_machine.travel(china(NOW), tick=False):
        # The city supervises the overdue incident C (督办): counted and listed until it is closed.
        items = api.get("admin", "/api/v1/cases?state=open&kind=incident").json["items"]
        [c] = [case for case in items if "-20261102-" in case["number"]]
        supervised = api.event("sup_city", c, "supervise", note="请尽快办结", due="2026-11-20T17:00")
        assert supervised.status_code == 200, supervised.json
        web_login(client, "sup_city")
        assert client.get("/start", headers=HTML).status_code == 200
        page = client.get("/dashboard", headers=HTML)
        assert page.status_code == 200
        html = page.text
        assert 'data-figure="closure_rate">80%' in html  # 4 of 5 due
        assert 'data-figure="on_time_rate">60%' in html
        assert 'data-figure="settled_locally_rate">50%' in html
        assert 'data-figure="overdue_now">1' in html and 'data-figure="ever_overdue">2' in html
        assert "410902-20261102" in html  # the overdue case C is listed
        assert 'data-figure="supervised">1' in html and "请尽快办结" not in html  # counted; its note stays in the file
        assert html.count(c["number"]) == 2  # among the most overdue and under supervision
        assert "/dashboard?division=410902" in html  # drill down to the county
        county = client.get("/dashboard?division=410902", headers=HTML)
        assert county.status_code == 200 and "/dashboard?division=410902001" in county.text
        grids = client.get("/dashboard?division=410902001001", headers=HTML).text
        assert "410902001001001" in grids  # a community's table lists its grids
        later = client.get("/dashboard?from=2026-11-03", headers=HTML).text
        assert 'data-figure="closure_rate">—' in later  # only D, not yet due
        assert client.get("/dashboard?division=nowhere", headers=HTML).status_code == 404
        sheet = client.get("/dashboard.xlsx?division=410902", headers=HTML)
        assert sheet.status_code == 200
        rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
        assert rows[1][0] == "区划" and rows[-1][0] == "合计" and rows[-1][1] == 7


def test_the_timeline_gives_working_time_beside_natural_time(client, runner, tmp_path, db):
    from tests.web_helpers import HTML, web_login

    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    s = Script(api)
    # Friday 16:00 → Monday 10:00: 66 natural hours, 1.5 + 1 = 2.5 office hours.
    case = s.report("2026-11-06T16:00")
    s.at("2026-11-09T10:00", "med_comm", case, "claim")
    with time_machine.travel(china("2026-11-09T10:00"), tick=False):
        api.tokens.clear()
        d = api.get("sup_comm", f"/api/v1/cases/{case['id']}/timeline").json["durations"]
        web_login(client, "sup_comm")
        page = client.get(f"/cases/{case['id']}/timeline", headers=HTML).text
    assert d["levels"]["community"] == 66 * 3600 and d["states"]["open"] == 66 * 3600  # today's keys stay
    assert d["working_levels"]["community"] == 2.5 * 3600 and d["working_states"]["open"] == 2.5 * 3600
    assert d["office_seconds_per_day"] == 7 * 3600
    assert "data-working-levels" in page and "2 小时 30 分钟" in page


# -- the tally: what it keeps event by event equals a refill, and its answers a scan of every case ----
QUESTIONS = [
    "",
    "?group_by=division,month",
    "?group_by=level",
    "?from=2026-11-01&to=2026-11-30&group_by=month",  # whole months: the tally alone (+ the live cases)
    "?from=2026-11-02&group_by=division",  # a month begun: its settled cases from their facts
    "?to=2026-11-02&group_by=level",
    "?from=2026-10-15&to=2026-12-10&group_by=level,month",
    "?from=2026-11-03&to=2026-11-04",
    "?group_by=category",  # not kept in the tally: every case's facts
    "?division=410902001001&group_by=division",  # a community's grids: the same
    "?division=410902001&group_by=division,level",
]


def close(a, b, where=()) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            close(a[k], b[k], (*where, k))
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, (*where, i))
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b), where
    else:
        assert a == b, where


def tally_rows(db) -> dict:
    """The kept rows of both tables that count something."""
    from gridflow.stats.tally import KEPT

    out = {}
    with db.engine.connect() as conn:
        for kept in KEPT:
            for r in conn.execute(select(kept.table)).mappings():
                if any(r[c] for c in kept.counters[:1]):  # the first counter counts the cases
                    out[(kept.table.name, *(r[k] for k in kept.key))] = {c: r[c] for c in kept.counters}
    return out


def test_the_tally_kept_with_each_event_equals_a_refill_and_answers_as_every_case(
    client, runner, tmp_path, db, monkeypatch
):
    from gridflow.stats import query, tally

    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    history(api)
    result = runner.invoke(args=["gridflow", "sweep", "--now", "2026-11-05T09:00+08:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    kept = tally_rows(db)
    tallied = [r for k, r in kept.items() if k[0] == "case_tally"]
    # A, B, F and G closed; C, D and E (auto-filed by the sweep) running: counted when asked
    assert sum(r["closed"] for r in tallied) == 4 and sum(r["reported"] for r in tallied) == 4
    # Their handling times to the whole hour: 8, 15, 8 and 15.
    hours = sorted((k[-2], k[-1], r["cases"]) for k, r in kept.items() if k[0] == "case_hours")
    assert hours == [("community", 8, 2), ("community", 15, 1), ("street", 15, 1)]  # B closed at the street
    with db.engine.begin() as conn:
        tally.refill(conn)
    close(tally_rows(db), kept)
    answers = {q: ask(api, query=q) for q in QUESTIONS}
    assert answers[""]["totals"]["closed"] == 4
    monkeypatch.setattr(query, "tally_answers", lambda groups, division: False)
    for q in QUESTIONS:
        close(ask(api, query=q), answers[q], (q,))
