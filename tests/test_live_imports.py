"""Imports on a live server: on SQLite (one writer at a time) a long entity import is written in
steps, so reports get in between; it stays all or nothing; a write that cannot get the lock in time
is answered 503 "busy", never a 500 or a traceback."""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from geo.features import parse_entities
from gridflow import create_app
from gridflow.db import get_db
from gridflow.models import Entity, RoadStretch
from gridflow.places import stepped
from tests import fixtures as fx
from tests.cases_helpers import Api, setup_city
from tests.helpers import invoke, write_json


def shops(n: int, seed: int = 1) -> dict:
    rnd = random.Random(seed)
    from shapely.geometry import Point

    return fx.fc(
        [
            fx.feature(
                Point(fx.X0 + rnd.random() * 2 * fx.W, fx.Y0 + rnd.random() * fx.W),
                kind="shop",
                ref=f"P{i}",
                name=f"店{i}",
            )
            for i in range(n)
        ]
    )


def state(db) -> tuple:
    with db.session() as s:
        entities = s.execute(select(Entity.ref, Entity.name, Entity.grid_id).order_by(Entity.ref)).all()
        stretches = s.execute(
            select(RoadStretch.entity_id, RoadStretch.seq, RoadStretch.grid_id, RoadStretch.length_m).order_by(
                RoadStretch.entity_id, RoadStretch.seq
            )
        ).all()
    return [tuple(e) for e in entities], [tuple(r) for r in stretches]


def test_reports_get_in_between_the_steps_of_a_long_import(client, runner, tmp_path, db, backend, monkeypatch):
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    api.token("gw1")
    steps: list[tuple[float, float]] = []
    real = stepped.assign_entities

    def timed(session, part, progress):
        started = time.perf_counter()
        result = real(session, part, progress)
        steps.append((started, time.perf_counter()))
        return result

    monkeypatch.setattr(stepped, "assign_entities", timed)
    monkeypatch.setattr(stepped, "STEP", 150)
    path = write_json(tmp_path, "shops.geojson", shops(3000))
    outcome = {}
    importer = threading.Thread(target=lambda: outcome.setdefault("result", invoke(runner, "import-entities", path)))
    reports = []
    importer.start()
    while importer.is_alive():
        sent = time.perf_counter()
        response = api.report("gw1")
        reports.append((response.status_code, sent, time.perf_counter()))
    importer.join()
    assert outcome["result"].exit_code == 0, outcome["result"].output
    assert "entities: 3000 created" in outcome["result"].output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Entity)) == 3000 + 5  # and the fixture city's own five
    assert {status for status, _, _ in reports} == {201}
    if backend == "sqlite":
        assert len(steps) == 20
        first_end, last_start = steps[0][1], steps[-1][0]
        between = [r for r in reports if first_end < r[2] < last_start]
        assert len(between) >= 3, (len(reports), steps[:2], reports[:5])  # one transaction would allow none
        print(
            f"import of 3000 in {steps[-1][1] - steps[0][0]:.2f} s; reports meanwhile: {len(between)}, "
            f"slowest {max(r[2] - r[1] for r in reports) * 1000:.0f} ms"
        )


def test_a_stepped_import_that_fails_half_way_leaves_what_was_there(runner, tmp_path, db, monkeypatch):
    from tests.helpers import load_fixture_city

    load_fixture_city(runner, tmp_path)  # five entities, one of them a road with stretches
    before = state(db)
    data = fx.entities()
    for f in data["features"]:
        f["properties"]["name"] += "（改）"  # every existing entity changes
    data["features"] += shops(40)["features"]  # and new ones come
    records = parse_entities(data)
    calls = {"n": 0}
    real = stepped.assign_entities

    def failing(session, part, progress):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(session, part, progress)

    monkeypatch.setattr(stepped, "assign_entities", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        stepped.import_entities_in_steps(db, records, step=10)
    assert calls["n"] == 3
    assert state(db) == before
    monkeypatch.setattr(stepped, "assign_entities", real)
    summary = stepped.import_entities_in_steps(db, records, step=10)
    assert (summary.created, summary.updated) == (40, 5)
    assert summary.assignment.assigned + summary.assignment.unassigned == 45


def test_a_write_that_cannot_get_sqlites_lock_is_answered_busy_not_500(runner, tmp_path, db_url, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "t", "SQLITE_BUSY_TIMEOUT_S": 0.2})
    setup_city(app.test_cli_runner(), tmp_path, get_db(app))
    api = Api(app.test_client(), {})
    api.token("gw1")
    holder = sqlite3.connect(make_url(db_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock (a long import, say)
    try:
        response = api.report("gw1")
        assert response.status_code == 503 and response.json["error"]["code"] == "busy"
        assert response.headers["Retry-After"] == "5"
        result = app.test_cli_runner().invoke(
            args=["gridflow", "import-entities", write_json(tmp_path, "s.geojson", shops(3))]
        )
        assert result.exit_code == 1 and "nothing imported; the database stayed busy" in result.output
        assert "Traceback" not in result.output
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.report("gw1").status_code == 201
    get_db(app).dispose()


def test_an_import_that_can_be_neither_finished_nor_undone_says_how_to_complete_it(runner, tmp_path, db, monkeypatch):
    from gridflow.errors import Conflict

    calls = {"n": 0}
    real = stepped.assign_entities

    def failing(session, part, progress):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(session, part, progress)

    def undo_fails(db, saved):
        raise OSError("disk still full")

    monkeypatch.setattr(stepped, "assign_entities", failing)
    monkeypatch.setattr(stepped, "_undo", undo_fails)
    with pytest.raises(Conflict, match="could not be undone .*run the same import again to complete it"):
        stepped.import_entities_in_steps(db, parse_entities(shops(5)), step=2)
    assert calls["n"] == 2  # the first step was written, the second failed
