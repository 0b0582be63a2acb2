"""GET /healthz: database, migrations, the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from gridflow import create_app, health, scheduler
from gridflow.clock import CST, iso_local, utcnow
from gridflow.db import get_db
from tests.helpers import invoke


@pytest.fixture(autouse=True)
def in_november():
    """These tests are about the scheduler: before December (when the calendar reminder starts)."""
    with time_machine.travel(datetime(2026, 11, 16, 10, 0, tzinfo=CST), tick=True):
        yield


def test_a_scheduler_that_never_swept_makes_the_installation_degraded_not_down(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "degraded" and r.json["database"] == "ok" and r.json["migrations"] == "head"
    assert r.json["scheduler"] == {"last_sweep": None, "age_s": None}
    assert r.json["warnings"] == ["the scheduler has never swept: start `gridflow scheduler` (one per installation)"]


def test_after_a_sweep_the_installation_is_well_and_says_when_it_swept(app, client):
    before = utcnow()
    scheduler.sweep_once(app)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["warnings"] == []
    assert r.json["scheduler"]["last_sweep"].endswith("+08:00")
    assert r.json["scheduler"]["last_sweep"] >= iso_local(before.replace(microsecond=0))
    assert 0 <= r.json["scheduler"]["age_s"] < 60


def test_a_scheduler_silent_for_more_than_three_intervals_is_reported(app, client):
    interval = app.config["SWEEP_INTERVAL_SECONDS"]
    health.record_heartbeat(get_db(app), health.SWEEP, utcnow() - timedelta(seconds=3 * interval - 5))
    assert client.get("/healthz").json["status"] == "ok"
    health.record_heartbeat(get_db(app), health.SWEEP, utcnow() - timedelta(seconds=3 * interval + 5))
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "degraded"
    assert r.json["scheduler"]["age_s"] > 3 * interval
    assert "is `gridflow scheduler` running?" in r.json["warnings"][0]


def test_a_schema_behind_the_code_answers_503(client, monkeypatch):
    monkeypatch.setattr(health, "heads", lambda: frozenset({"9999_from_the_future"}))
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json["migrations"] == "behind" and r.json["database"] == "ok"
    assert "needs 9999_from_the_future: run `gridflow db upgrade`" in r.json["warnings"][0]


def test_an_empty_database_is_behind(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True, "SECRET_KEY": "t"})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["migrations"] == "behind"
    assert r.json["warnings"][0].startswith("the database is at no schema")
    get_db(app).dispose()


@pytest.mark.parametrize("url", ["postgresql+psycopg://nobody@127.0.0.1:1/gridflow"])
def test_an_unreachable_database_answers_503(url, tmp_path):
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["status"] == "down" and r.json["database"] == "unreachable" and r.json["migrations"] is None
    get_db(app).dispose()


def test_the_health_check_needs_no_login_and_is_never_cached(client):
    r = client.get("/healthz")
    assert r.headers["Cache-Control"] == "no-store"


# -- the yearly calendar reminder -----------------------------------------------------------------------
REMINDER = "the working calendar of 2027 is not confirmed"


def test_from_december_healthz_warns_while_next_years_calendar_is_not_confirmed(app, client, runner):
    with time_machine.travel(datetime(2026, 11, 30, 23, 59, tzinfo=CST), tick=False):
        scheduler.sweep_once(app)
        r = client.get("/healthz").json
        assert r["status"] == "ok" and r["warnings"] == []
    with time_machine.travel(datetime(2026, 12, 1, 0, 1, tzinfo=CST), tick=False):
        scheduler.sweep_once(app)
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json["status"] == "ok"  # a reminder, not a degraded installation
        (warning,) = r.json["warnings"]
        assert warning.startswith(REMINDER) and "gridflow calendar confirm 2027" in warning
        assert invoke(runner, "calendar", "confirm", "2027").exit_code == 0
        assert client.get("/healthz").json["warnings"] == []


def test_the_reminder_comes_beside_a_scheduler_warning_without_hiding_it(client):
    with time_machine.travel(datetime(2026, 12, 24, 9, 0, tzinfo=CST), tick=False):
        r = client.get("/healthz").json
    assert r["status"] == "degraded"  # for the scheduler, which never swept
    assert r["warnings"][0].startswith("the scheduler has never swept") and r["warnings"][1].startswith(REMINDER)


def test_the_scheduler_logs_the_reminder_each_day_of_december_until_confirmed(app, runner, caplog):
    caplog.set_level("WARNING", logger="gridflow.scheduler")
    with time_machine.travel(datetime(2026, 11, 30, 8, 0, tzinfo=CST), tick=False):
        assert scheduler.calendar_check_once(app) is None
    with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=CST), tick=False):
        assert scheduler.calendar_check_once(app).startswith(REMINDER)
    with time_machine.travel(datetime(2026, 12, 31, 8, 0, tzinfo=CST), tick=False):
        assert scheduler.calendar_check_once(app).startswith(REMINDER)
        invoke(runner, "calendar", "confirm", "2027")
        assert scheduler.calendar_check_once(app) is None
    logged = [r for r in caplog.records if r.name == "gridflow.scheduler"]
    assert len(logged) == 2 and all(r.levelname == "WARNING" and REMINDER in r.getMessage() for r in logged)


def test_the_scheduler_checks_the_calendar_at_start_and_every_morning(app, monkeypatch):
    from apscheduler.schedulers.blocking import BlockingScheduler

    jobs = {}
    monkeypatch.setattr(BlockingScheduler, "start", lambda self: jobs.update({j.id: j for j in self.get_jobs()}))
    scheduler.run(app)
    check = jobs["calendar"]
    assert check.func is scheduler.calendar_check_once and str(check.trigger).startswith("cron[hour='8'")
    assert check.next_run_time is not None  # once at start
    assert "sweep" in jobs
