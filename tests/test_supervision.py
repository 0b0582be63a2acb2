"""Supervision from above (催办 urge, 督办 supervise, 提级 pull_up) and the time limit of every step
(auto_file, verification_late, remind), on both back ends."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import func, select

from gridflow.cases import sweep as sweep_module
from gridflow.cases.policy import Policy
from gridflow.cases.sweep import sweep
from gridflow.cases.verify import verify
from gridflow.models import Agreement, Case, CaseEvent
from gridflow.people.users import add_user
from gridflow.workflow.calendar import CST, WorkCalendar
from tests.cases_helpers import IN_A_MONTH, PASSWORD, WEST_SW, Api, setup_city
from tests.helpers import invoke
from tests.web_helpers import HTML, post_form, web_login


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    with db.session() as s:  # a street supervisor of the other (east) county: outside the west's area
        add_user(s, "sup_street_east", "supervisor", "410922100", None, PASSWORD)
    return Api(client.application.test_client(), {})


@pytest.fixture
def policy(app) -> Policy:
    return Policy.from_config(app.config)


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def china(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=CST)


def utc(text_: str) -> datetime:
    """A China time as stored (naive UTC)."""
    return WorkCalendar.to_utc(china(text_))


def fresh(api, case, user="admin"):
    return ok(api.get(user, f"/api/v1/cases/{case['id']}"))


def events_of(api, case) -> list[dict]:
    return ok(api.get("admin", f"/api/v1/cases/{case['id']}/timeline"))["events"]


def count_events(db, event: str) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.event == event)) or 0


# -- who may --------------------------------------------------------------------------------------
SUPERVISE = {"note": "请三日内上报进展", "due": IN_A_MONTH + "T17:00"}
INPUTS = {"urge": {"reason": "群众多次来电"}, "supervise": SUPERVISE, "pull_up": {"reason": "涉及多个街道"}}


@pytest.mark.parametrize("event", ["urge", "supervise", "pull_up"])
def test_only_a_supervisor_above_the_cases_level_in_whose_area_it_lies_may(api, event):
    case = ok(api.report("gw1"), 201)  # filed at once: open at community level
    refused = {
        "sup_comm": 403,  # the case's own level
        "med_street": 403,  # a mediator never
        "med_comm": 403,
        "gw1": 403,
        "sup_street_east": 404,  # a level above, but another area: the case does not exist for him
    }
    for user, status in refused.items():
        answer = api.event(user, case, event, **INPUTS[event])
        assert answer.status_code == status, (user, answer.json)
        assert event not in (fresh(api, case, user)["allowed_events"] if status != 404 else [])
    assert fresh(api, case)["version"] == case["version"]  # nothing stored
    assert event in fresh(api, case, "sup_street")["allowed_events"]
    done = ok(api.event("sup_street", case, event, **INPUTS[event]))
    assert done["version"] > case["version"]


def test_a_lower_or_equal_level_may_not_once_the_case_went_up(api):
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "escalate", reason="涉及多个社区"))  # at street level now
    for user in ("sup_comm", "sup_street"):  # below it, and its own level
        assert api.event(user, case, "urge").status_code == 403, user
    assert ok(api.event("sup_city", case, "urge"))["urged"]["count"] == 1


def test_urging_counts_and_records_without_moving_the_case(api):
    case = ok(api.report("gw1"), 201)
    assert case["urged"] == {"count": 0, "last": None} and case["supervised"] is None
    urged = ok(api.event("sup_street", case, "urge"))  # the reason is optional
    urged = ok(api.event("sup_city", urged, "urge", reason="群众多次来电"))
    assert urged["urged"]["count"] == 2 and urged["urged"]["last"].endswith("+08:00")
    assert (urged["state"], urged["level"], urged["deadline"]) == (case["state"], case["level"], case["deadline"])
    last = events_of(api, case)[-2:]
    assert [(e["event"], e["actor"], e["reason"]) for e in last] == [
        ("urge", "sup_street", None),
        ("urge", "sup_city", "群众多次来电"),
    ]
    listed = ok(api.get("med_comm", "/api/v1/cases"))["items"][0]
    assert listed["urged"]["count"] == 2  # CaseSummary carries it too
    assert api.event("sup_street", ok(api.event("med_comm", urged, "claim")), "urge").status_code == 200


def test_supervision_marks_the_case_until_it_ends_and_is_a_filter(api):
    case = ok(api.report("gw1"), 201)
    other = ok(api.report("gw1", category="D03"), 201)
    for bad, field in (({"note": "x"}, "due"), ({"due": SUPERVISE["due"]}, "note")):
        answer = api.event("sup_street", case, "supervise", **bad)
        assert answer.status_code == 422 and answer.json["error"]["field"] == field
    past = api.event("sup_street", case, "supervise", note="x", due="2020-01-01T10:00")
    assert past.status_code == 422 and past.json["error"]["field"] == "due"
    case = ok(api.event("sup_street", case, "supervise", **SUPERVISE))
    mark = case["supervised"]
    assert mark["level"] == "street" and mark["by"]["name"] == "sup_street" and mark["note"] == SUPERVISE["note"]
    assert mark["due"] == SUPERVISE["due"] + ":00+08:00" and mark["at"].endswith("+08:00")
    # The city takes it over; the street may not take it back from the city.
    case = ok(api.event("sup_city", case, "supervise", note="市级督办", due=SUPERVISE["due"]))
    assert case["supervised"]["level"] == "city"
    assert api.event("sup_street", case, "supervise", **SUPERVISE).status_code == 409
    assert [c["id"] for c in ok(api.get("med_comm", "/api/v1/cases?supervised=true"))["items"]] == [case["id"]]
    assert [c["id"] for c in ok(api.get("med_comm", "/api/v1/cases?supervised=false"))["items"]] == [other["id"]]
    assert api.get("med_comm", "/api/v1/cases?supervised=maybe").status_code == 422
    timeline = events_of(api, case)
    assert timeline[-1]["event"] == "supervise" and timeline[-1]["data"]["due"] == SUPERVISE["due"] + ":00+08:00"
    # Handled and verified: the mark ends with the case.
    case = ok(api.event("med_comm", case, "claim"))
    case = ok(api.event("med_comm", case, "resolve", outcome="和解", agreement={"form": "oral", "terms": "互谅"}))
    assert case["supervised"]["level"] == "city"
    assert ok(api.event("gw1", case, "verify"))["supervised"] is None


def test_pulling_up_takes_the_case_to_the_supervisors_level(api):
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "claim"))
    missing = api.event("sup_city", case, "pull_up")
    assert missing.status_code == 422 and missing.json["error"]["field"] == "reason"
    pulled = ok(api.event("sup_city", case, "pull_up", reason="重大矛盾，市级直接办理"))
    assert (pulled["state"], pulled["level"], pulled["assignee"]) == ("open", "city", None)
    assert pulled["escalations"] == 0 and pulled["deadline"] != case["deadline"]
    last = events_of(api, case)[-1]
    assert (last["event"], last["from_level"], last["to_level"]) == ("pull_up", "community", "city")
    assert "claim" in fresh(api, pulled, "med_city")["allowed_events"]
    assert api.event("sup_street", pulled, "urge").status_code == 403  # below the case's level now


# -- time limits of every step --------------------------------------------------------------------
def travel(api, when: str):
    """The clock at a China time; tokens made at another time are not reused (they would have expired)."""
    api.tokens.clear()
    return time_machine.travel(china(when), tick=False)


def report_at(api, when: str, user="med_comm", **body):
    with travel(api, when):
        case = ok(api.report(user, location=WEST_SW, **body), 201)  # off site: waits for gw2 to file it
    api.tokens.clear()
    return case


def resolve_at(api, when: str, deadline: str):
    """A dispute filed, claimed and resolved at `when` with a written agreement due on `deadline`."""
    with travel(api, when):
        case = ok(api.report("gw1"), 201)
        case = ok(api.event("med_comm", case, "claim"))
        agreement = {"terms": "赔偿两千元", "performance_deadline": deadline}
        case = ok(api.event("med_comm", case, "resolve", outcome="协议", agreement=agreement))
    api.tokens.clear()
    return case


def test_a_report_not_filed_within_its_limit_is_filed_unchecked_by_the_system(api, db, policy, runner):
    # Monday 09:00: 4 working hours end at 14:30 (lunch 12:00-13:30 is not working time).
    case = report_at(api, "2026-11-23T09:00")
    assert case["state"] == "reported" and case["step_deadline"] == "2026-11-23T14:30:00+08:00"
    assert not case["unchecked"]
    assert sweep(db, utc("2026-11-23T14:29"), policy).auto_filed == 0
    out = invoke(runner, "sweep", "--now", "2026-11-23T14:31")
    assert out.exit_code == 0 and "1 filed unchecked" in out.output, out.output
    filed = fresh(api, case)
    assert (filed["state"], filed["level"], filed["unchecked"], filed["step_deadline"]) == (
        "open",
        "community",
        True,
        None,
    )
    assert filed["deadline"] is not None  # the community's clock started
    last = events_of(api, case)[-1]
    assert (last["event"], last["actor"], last["data"]["deadline"]) == (
        "auto_file",
        "system",
        "2026-11-23T14:30:00+08:00",
    )
    assert sweep(db, utc("2026-11-23T14:40"), policy).auto_filed == 0  # once
    # Filed in time by its worker: never touched.
    in_time = report_at(api, "2026-11-23T09:00", category="D03")
    with travel(api, "2026-11-23T10:00"):
        ok(api.event("gw2", in_time, "file"))
    api.tokens.clear()
    assert sweep(db, utc("2026-11-24T10:00"), policy).auto_filed == 0
    assert not fresh(api, in_time)["unchecked"]


def test_a_resolved_case_not_verified_in_time_is_marked_once(api, db, policy):
    case = resolve_at(api, "2026-11-23T10:00", "2026-12-31")
    assert case["step_deadline"] == "2026-11-26T17:30:00+08:00"  # 3 working days
    assert sweep(db, utc("2026-11-26T17:29"), policy).verification_late == 0
    assert sweep(db, utc("2026-11-26T17:31"), policy).verification_late == 1
    late = fresh(api, case)
    assert late["state"] == "resolved" and late["verification_late_at"] == "2026-11-26T17:31:00+08:00"
    assert sweep(db, utc("2026-11-27T10:00"), policy).verification_late == 0
    assert events_of(api, case)[-1]["event"] == "verification_late"
    with travel(api, "2026-11-27T11:00"):  # sent back, resolved again: a new limit
        case = ok(api.event("gw1", late, "rework", reason="仍未修好"))
        assert case["step_deadline"] is None and case["verification_late_at"] is None
        again = {"terms": "赔偿三千元", "performance_deadline": "2026-12-31"}
        case = ok(api.event("med_comm", case, "resolve", outcome="新协议", agreement=again))
    assert case["step_deadline"] == "2026-12-02T17:30:00+08:00" and case["verification_late_at"] is None


def test_agreement_dates_are_recalled_three_working_days_before_and_on_the_day(api, db, policy):
    # Signed Monday 23 November; performed by Friday 4 December; confirmation window ends 23 December.
    case = resolve_at(api, "2026-11-23T10:00", "2026-12-04")
    assert case["agreement"]["confirmation_deadline"] == "2026-12-23"
    with travel(api, "2026-11-24T10:00"):
        case = ok(api.event("gw1", case, "verify"))  # reminders go on after closing
    api.tokens.clear()
    for when, reminded in (
        ("2026-11-30T10:00", 0),  # 4 working days before
        ("2026-12-01T00:10", 1),  # Tuesday: the third working day before the 4th
        ("2026-12-01T10:00", 0),
        ("2026-12-03T10:00", 0),
        ("2026-12-04T08:00", 1),  # the day
        ("2026-12-04T18:00", 0),
        ("2026-12-17T10:00", 0),
        ("2026-12-18T09:00", 1),  # Friday: three working days before Wednesday the 23rd
        ("2026-12-23T09:00", 1),
        ("2026-12-24T09:00", 0),
    ):
        assert sweep(db, utc(when), policy).reminded == reminded, when
    reminders = [
        (e["data"]["what"], e["data"]["due"], e["actor"]) for e in events_of(api, case) if e["event"] == "remind"
    ]
    assert reminders == [
        ("performance", "2026-12-04", "system"),
        ("performance", "2026-12-04", "system"),
        ("confirmation", "2026-12-23", "system"),
        ("confirmation", "2026-12-23", "system"),
    ]
    assert verify(db, policy.chain, case["id"]).valid


def test_a_sweep_that_starts_late_gives_only_the_days_reminder(api, db, policy):
    resolve_at(api, "2026-11-23T10:00", "2026-12-04")
    assert sweep(db, utc("2026-12-04T09:00"), policy).reminded == 1
    assert sweep(db, utc("2026-12-04T10:00"), policy).reminded == 0
    with db.session() as s:
        assert s.scalar(select(Agreement.performance_reminded)) == 2


def test_steps_and_reminders_happen_once_under_two_sweeps_at_once(api, db, policy):
    reported = [report_at(api, "2026-11-23T09:00", description=f"无人处理的报告 {n}") for n in range(4)]
    resolve_at(api, "2026-11-23T10:00", "2026-12-04")
    now, reports = utc("2026-12-01T10:00"), []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        reports.append(sweep(db, now, policy))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.auto_filed for r in reports) == len(reported) == count_events(db, "auto_file")
    assert sum(r.verification_late for r in reports) == 1 == count_events(db, "verification_late")
    assert sum(r.reminded for r in reports) == 1 == count_events(db, "remind")


def test_a_sweep_killed_mid_run_leaves_nothing_half_done(api, db, policy, monkeypatch):
    reported = [report_at(api, "2026-11-23T09:00", description=f"无人处理的报告 {n}") for n in range(3)]
    resolve_at(api, "2026-11-23T10:00", "2026-12-04")
    real, calls = sweep_module.fire_event, []

    def dies_on_the_second(*args, **kw):
        calls.append(args[3])
        if len(calls) == 2:
            raise SystemExit("killed")
        return real(*args, **kw)

    monkeypatch.setattr(sweep_module, "fire_event", dies_on_the_second)
    with pytest.raises(SystemExit):
        sweep(db, utc("2026-12-01T10:00"), policy)
    assert count_events(db, "auto_file") == 0  # the batch was one transaction
    monkeypatch.setattr(sweep_module, "fire_event", real)
    report = sweep(db, utc("2026-12-01T10:00"), policy)
    assert (report.auto_filed, report.verification_late, report.reminded) == (len(reported), 1, 1)
    again = sweep(db, utc("2026-12-01T10:00"), policy)
    assert (again.auto_filed, again.verification_late, again.reminded) == (0, 0, 0)


def test_cases_stored_before_step_limits_get_theirs_from_the_sweep(api, db, policy):
    case = report_at(api, "2026-11-23T09:00")
    with db.session(write=True) as s:  # as migration 0015 leaves a case reported before it
        s.get(Case, case["id"]).step_deadline = None
    report = sweep(db, utc("2026-11-23T10:00"), policy)
    assert (report.step_deadlines, report.auto_filed) == (1, 0)
    assert fresh(api, case)["step_deadline"] == "2026-11-23T14:30:00+08:00"
    assert sweep(db, utc("2026-11-23T10:00"), policy).step_deadlines == 0


# -- pages --------------------------------------------------------------------------------------
def test_the_case_file_offers_the_supervision_forms_and_the_timeline_names_them(api, client):
    case = ok(api.report("gw1"), 201)
    web_login(client, "sup_street")
    page = client.get(f"/cases/{case['id']}", headers=HTML).text
    for event in ("urge", "supervise", "pull_up"):
        assert f"/cases/{case['id']}/act/{event}" in page, event
    form = client.get(f"/cases/{case['id']}/act/supervise", headers=HTML)
    assert form.status_code == 200 and "督办要求" in form.text and 'type="datetime-local"' in form.text
    missing = post_form(
        client,
        f"/cases/{case['id']}/events",
        {"event": "supervise", "version": case["version"], "note": "请尽快办理"},
        page=f"/cases/{case['id']}/act/supervise",
    )
    assert missing.status_code == 422 and 'id="due-error"' in missing.text and ">请尽快办理</textarea>" in missing.text
    done = post_form(
        client,
        f"/cases/{case['id']}/events",
        {"event": "supervise", "version": case["version"], **SUPERVISE},
        page=f"/cases/{case['id']}/act/supervise",
    )
    assert done.status_code in (200, 302, 303), done.text
    case = fresh(api, case)
    assert case["supervised"]["level"] == "street"
    urge_form = client.get(f"/cases/{case['id']}/act/urge", headers=HTML).text
    assert "可不填" in urge_form
    post_form(
        client,
        f"/cases/{case['id']}/events",
        {"event": "urge", "version": case["version"]},
        page=f"/cases/{case['id']}/act/urge",
    )
    assert fresh(api, case)["urged"]["count"] == 1
    shown = client.get(f"/cases/{case['id']}", headers=HTML).text
    assert "街道级督办" in shown and "已催办 1 次" in shown
    timeline = client.get(f"/cases/{case['id']}/timeline", headers=HTML).text
    assert "督办" in timeline and "催办" in timeline and SUPERVISE["note"] in timeline
    english = client.get(f"/cases/{case['id']}/timeline?lang=en", headers=HTML).text
    assert "supervise" in english and "urge" in english
    desk = client.application.test_client()
    web_login(desk, "med_comm")
    queue = desk.get("/queue?supervised=true", headers=HTML).text
    assert case["number"] in queue and "街道级督办" in queue
    assert case["number"] not in desk.get("/queue?supervised=false", headers=HTML).text
