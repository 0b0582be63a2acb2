"""Automatic escalation, concurrency and tamper evidence, on both back ends."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import func, select, text

from gridflow.cases.policy import Policy
from gridflow.cases.sweep import sweep
from gridflow.cases.verify import verify
from gridflow.clock import parse_iso
from gridflow.hashchain import ChainCheck
from gridflow.models import Case, CaseEvent
from gridflow.workflow.calendar import CST
from tests.cases_helpers import Api, setup_city
from tests.helpers import invoke


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


@pytest.fixture
def policy(app) -> Policy:
    return Policy.from_config(app.config)  # the app's chain keys: what the sweep writes, verify reads


def china(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=CST)


def report_at(api, when: str, **body):
    with time_machine.travel(china(when), tick=False):
        r = api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[], **body)
        assert r.status_code == 201, r.json
        return r.json


def sweep_at(runner, when: str) -> str:
    result = invoke(runner, "sweep", "--now", when)
    assert result.exit_code == 0, result.output
    return result.output


def level_of(api, case) -> tuple[str, str]:
    c = api.get("admin", f"/api/v1/cases/{case['id']}").json
    return c["level"], c["state"]


@pytest.mark.parametrize(
    "reported,not_yet,overdue",
    [
        # G01 exposed rubbish: 1 working day at community level.
        ("2026-11-20T16:00", "2026-11-23T17:29", "2026-11-23T17:31"),  # Friday → Monday's close, weekend skipped
        ("2026-09-30T10:00", "2026-10-08T17:00", "2026-10-08T17:31"),  # National Day week skipped
        ("2026-10-09T10:00", "2026-10-10T17:29", "2026-10-10T17:31"),  # 调休: Saturday 10 October is a working day
    ],
)
def test_overdue_cases_escalate_by_working_time(api, runner, reported, not_yet, overdue):
    case = report_at(api, reported)
    assert "0 escalated" in sweep_at(runner, not_yet)
    assert level_of(api, case) == ("community", "open")
    assert "1 escalated" in sweep_at(runner, overdue)
    assert level_of(api, case) == ("street", "open")
    assert "0 escalated" in sweep_at(runner, overdue)  # exactly once
    timeline = api.get("admin", f"/api/v1/cases/{case['id']}/timeline").json
    last = timeline["events"][-1]
    assert last["event"] == "escalate" and last["actor"] == "system" and last["reason"] == "overdue"
    assert timeline["chain_valid"]


def test_overdue_at_city_level_is_flagged_not_escalated(api, runner):
    case = report_at(api, "2026-11-23T09:00")
    for when in ("2026-11-24T18:00", "2026-11-27T18:00", "2026-12-03T18:00"):
        sweep_at(runner, when)
    assert level_of(api, case) == ("city", "open")
    out = sweep_at(runner, "2026-12-31T18:00")
    assert "0 escalated, 1 flagged" in out
    assert "0 escalated, 0 flagged" in sweep_at(runner, "2026-12-31T19:00")  # flagged once
    assert [e["event"] for e in api.get("admin", f"/api/v1/cases/{case['id']}/timeline").json["events"]][
        -1
    ] == "flag_overdue"
    with time_machine.travel(china("2026-12-31T19:00"), tick=False):
        overdue = api.get("sup_city", "/api/v1/cases?overdue=true").json
        assert overdue["total"] == 1 and overdue["items"][0]["overdue"]


def test_concurrent_sweeps_escalate_each_case_exactly_once(api, db, policy):
    created = [report_at(api, "2026-11-20T16:00") for _ in range(30)]
    now = parse_iso("2026-11-24T09:00")
    reports = []

    def run():
        reports.append(sweep(db, now, policy))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalated for r in reports) == len(created)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.event == "escalate")) == len(
            created
        )
        assert set(s.scalars(select(Case.level))) == {"street"}
    for c in created:
        assert verify(db, policy.chain, c["id"]).valid


def test_fifty_concurrent_conflicting_events_apply_exactly_once(api, app, db, policy):
    case = api.report("gw1").json
    headers = api.headers("med_comm")
    client_factory = app.test_client
    statuses = []
    barrier = threading.Barrier(50)

    def claim():
        client = client_factory()
        barrier.wait()
        r = client.post(
            f"/api/v1/cases/{case['id']}/events", json={"event": "claim", "version": case["version"]}, headers=headers
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=claim) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 49, statuses
    with db.session() as s:
        events = list(s.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case["id"]).order_by(CaseEvent.seq)))
    assert events == ["report", "file", "claim"]
    assert verify(db, policy.chain, case["id"]) == ChainCheck(True)


def test_tampering_with_a_stored_event_is_detected(api, runner, db):
    case = api.report("gw1").json
    api.event("med_comm", case, "escalate", reason="调解未果")
    assert invoke(runner, "verify", str(case["id"])).exit_code == 0
    with db.session() as s:
        s.execute(
            text("UPDATE case_event SET reason = 'nothing happened' WHERE case_id = :c AND event = 'escalate'"),
            {"c": case["id"]},
        )
    result = invoke(runner, "verify", str(case["id"]))
    assert result.exit_code != 0 and "broken at event 3" in result.output
    assert api.get("admin", f"/api/v1/cases/{case['id']}/timeline").json["chain_valid"] is False


def test_deleting_an_event_is_detected(api, runner, db):
    case = api.report("gw1").json
    case = api.event("med_comm", case, "claim").json
    api.event("med_comm", case, "release")
    with db.session() as s:
        s.execute(text("DELETE FROM case_event WHERE case_id = :c AND seq = 2"), {"c": case["id"]})
    assert "broken at event 2: entry 2 is missing" in invoke(runner, "verify", str(case["id"])).output


def test_sweep_rejects_a_bad_time(runner, api):
    result = invoke(runner, "sweep", "--now", "next tuesday")
    assert result.exit_code != 0 and "not an ISO 8601 time" in result.output


def test_a_sweep_that_dies_half_way_leaves_nothing_half_done(api, db, monkeypatch, policy):
    created = [report_at(api, "2026-11-20T16:00") for _ in range(6)]
    now = parse_iso("2026-11-24T09:00")
    import gridflow.cases.sweep as sweep_module

    real, calls = sweep_module.fire_event, []

    def dies_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise SystemExit("killed")  # the process dies in the middle of a batch
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "fire_event", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        sweep(db, now, policy)
    with db.session() as s:
        assert set(s.scalars(select(Case.level))) == {"community"}  # the batch rolled back whole
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.event == "escalate")) == 0
    monkeypatch.setattr(sweep_module, "fire_event", real)
    assert sweep(db, now, policy).escalated == len(created)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.event == "escalate")) == len(
            created
        )
