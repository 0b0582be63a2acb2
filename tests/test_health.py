"""GET /healthz: database, migrations, the scheduler's heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridflow import create_app, health, scheduler
from gridflow.clock import iso_local, utcnow
from gridflow.db import get_db


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
