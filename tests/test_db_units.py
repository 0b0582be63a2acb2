"""Units of work and connections: a request runs on one connection, a report is all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from gridflow.cases import report as reporting
from gridflow.db import make_engine
from gridflow.hotpath import HotStatement
from gridflow.models import Case, CaseCounter, CaseEvent, CaseParty
from tests.cases_helpers import Api, setup_city


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_request_takes_one_connection_from_the_pool(api, db):
    api.token("gw1")
    checkouts = []
    listener = lambda *args: checkouts.append(1)  # noqa: E731
    event.listen(db.engine.pool, "checkout", listener)
    try:
        response = api.report("gw1")  # token look-up, place look-up, then the write
    finally:
        event.remove(db.engine.pool, "checkout", listener)
    assert response.status_code == 201, response.json
    assert len(checkouts) == 1


def test_a_report_that_fails_half_way_leaves_nothing(api, db, monkeypatch):
    api.token("gw1")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")  # after the counter, the case and its parties were written

    monkeypatch.setattr(reporting, "event_row", broken)
    with pytest.raises(RuntimeError):
        api.report("gw1")
    assert [_count(db, m) for m in (Case, CaseParty, CaseEvent, CaseCounter)] == [0, 0, 0, 0]
    monkeypatch.undo()
    case = api.report("gw1").json
    assert case["number"].endswith("-00001")  # the failed report's serial was not used up
    assert [_count(db, m) for m in (Case, CaseParty, CaseEvent)] == [1, 2, 2]


def test_a_report_the_database_refuses_at_commit_leaves_nothing(api, db, monkeypatch):
    # Both timeline entries claim seq 1: the unique (case_id, seq) constraint fails when the events
    # reach the server -- on PostgreSQL only at COMMIT, since they travel with it (pipelined).
    api.token("gw1")
    real = reporting.event_row
    monkeypatch.setattr(reporting, "event_row", lambda *a, **k: real(*a, **k) | {"seq": 1})
    # PostgreSQL names the unique violation, or (when the outbox's statement behind it in the pipeline
    # is the one that finds the pipeline broken) reports the pipeline aborted: refused either way.
    with pytest.raises(Exception, match="(?i)unique|pipeline aborted"):
        api.report("gw1")
    assert [_count(db, m) for m in (Case, CaseParty, CaseEvent, CaseCounter)] == [0, 0, 0, 0]
    monkeypatch.undo()
    assert api.report("gw1").json["number"].endswith("-00001")


def test_case_numbers_count_per_county_and_day_past_five_digits(api, db):
    first = api.report("gw1").json["number"]
    prefix = first[:-5]
    assert first == prefix + "00001" and api.report("gw1").json["number"] == prefix + "00002"
    with db.session() as s:
        s.get(CaseCounter, prefix).value = 99_999
    assert api.report("gw1").json["number"] == prefix + "100000"


def test_a_unit_of_work_inside_another_gets_its_own_connection(db):
    with db.pinned():
        with db.session(write=True) as outer:
            outer_conn = outer.connection()
            with db.session() as inner:
                assert inner.connection() is not outer_conn
        with db.lookup() as later:
            assert later is outer_conn  # the request's connection, free again


def test_a_failed_unit_of_work_leaves_the_pinned_connection_usable(db):
    with db.pinned():
        with pytest.raises(ZeroDivisionError):
            with db.session(write=True) as s:
                s.execute(text("SELECT 1"))
                raise ZeroDivisionError
        with db.session() as s:
            assert s.execute(text("SELECT 2")).scalar() == 2


def test_a_connection_that_breaks_mid_request_is_replaced_for_the_next_unit(db):
    with db.pinned():
        with db.lookup() as conn:
            conn.execute(text("SELECT 1"))
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a dead connection
            with db.session(write=True) as s:
                s.connection().connection.dbapi_connection.close()  # the server went away, say
                s.execute(text("SELECT 1"))
        with pytest.raises(Exception):  # noqa: B017 - the same under a statement run on the driver's cursor
            with db.transaction(write=True) as conn:
                conn.connection.dbapi_connection.close()
                HotStatement("t", select(CaseCounter.prefix), None).rows(conn, {})
        for unit in (db.lookup(), db.session(write=True)):
            with unit as used:
                assert used.execute(text("SELECT 2")).scalar() == 2


def test_an_in_memory_sqlite_url_makes_an_engine():
    engine = make_engine("sqlite://")  # one connection, no pool of them to order
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT spatialite_version()").scalar()
    finally:
        engine.dispose()


def test_a_plain_postgresql_url_means_the_shipped_driver():
    assert make_engine("postgresql://nobody@127.0.0.1:1/none").dialect.driver == "psycopg"
