"""Statements run on the driver's cursor (gridflow.hotpath) find and store exactly what SQLAlchemy
would, refuse what they cannot do alike, and fail as SQLAlchemy fails."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from gridflow import hotpath
from gridflow.audit.log import Caller
from gridflow.calendar.changes import set_override
from gridflow.chainkeys import chain_keys
from gridflow.hotpath import HotFamily, HotInsert, HotStatement, NeedsPostCompile, NeedsResultConversion
from gridflow.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseFacts,
    CaseParty,
    CaseTally,
    Delivery,
    Notification,
    User,
    Webhook,
)
from gridflow.notifications import rules
from gridflow.schemas.calendar import OverrideInput
from gridflow.stats import tally
from gridflow.workflow.rules import SYSTEM, Actor
from tests.cases_helpers import WEST_NW, Api, setup_city

WHOLE_SECOND = datetime(2026, 10, 1, 8, 0, 0)  # no microseconds: the case where text formats differ


def test_a_hot_insert_reads_back_through_the_orm_and_finds_what_sqlalchemy_finds(db):
    hot_insert = HotInsert("t", User.__table__, ["username", "display_name", "password_hash", "role", "active"], None)
    with db.transaction(write=True) as conn:
        hot_insert.rows(
            conn,
            [
                {"username": "a", "display_name": "甲", "password_hash": "x", "role": "admin", "active": True},
                {"username": "b", "display_name": "乙", "password_hash": "x", "role": "admin", "active": False},
            ],
        )
    with db.session() as s:
        assert [(u.username, u.display_name, u.active) for u in s.scalars(select(User).order_by(User.username))] == [
            ("a", "甲", True),
            ("b", "乙", False),
        ]
    stmt = select(User.username).where(User.active == bindparam("a")).order_by(User.username)
    with db.lookup() as conn:
        assert HotStatement("t", stmt, None).rows(conn, {"a": True}) == [
            tuple(r) for r in conn.execute(stmt, {"a": True})
        ]


def test_datetimes_are_bound_as_sqlalchemy_stores_them(db):
    # SQLite keeps datetimes as text: a bound value must be formatted exactly as stored ones are, or a
    # comparison at a whole second goes wrong ('08:00:00' sorts before '08:00:00.000000').
    moments = Table(
        "moments", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime), prefixes=["TEMPORARY"]
    )
    until = select(moments.c.id).where(moments.c.at <= bindparam("until")).order_by(moments.c.id)
    with db.transaction(write=True) as conn:
        moments.create(conn)
        conn.execute(insert(moments), [{"at": WHOLE_SECOND}, {"at": WHOLE_SECOND.replace(microsecond=1)}])
        assert HotStatement("t", until, None).rows(conn, {"until": WHOLE_SECOND}) == [(1,)]
        assert [tuple(r) for r in conn.execute(until, {"until": WHOLE_SECOND})] == [(1,)]


def test_a_hot_statement_takes_part_in_the_transaction(db):
    hot_insert = HotInsert("t", CaseCounter.__table__, ["prefix", "value"], None)
    with pytest.raises(RuntimeError):
        with db.transaction(write=True) as conn:
            hot_insert.rows(conn, [{"prefix": "lost", "value": 1}])
            raise RuntimeError("rolled back")
    with db.session() as s:
        assert s.scalars(select(CaseCounter.prefix)).all() == []


def test_a_column_whose_results_sqlalchemy_converts_is_refused_when_compiled(db, backend):
    """A DateTime is text and a Boolean 1/0 on SQLite until SQLAlchemy converts them; on PostgreSQL
    the driver returns them as they are, so there they may be selected."""
    for column in (Case.created_at, User.active):
        hot = HotStatement("t", select(column).limit(1), None)
        with db.lookup() as conn:
            if backend == "sqlite":
                with pytest.raises(NeedsResultConversion, match="needs SQLAlchemy's result conversion on sqlite"):
                    hot.rows(conn, {})
            else:
                assert hot.rows(conn, {}) == [tuple(r) for r in conn.execute(select(column).limit(1))]


def test_the_drivers_errors_come_as_sqlalchemys(db):
    counter = HotInsert("t", CaseCounter.__table__, ["prefix", "value"], None)
    with pytest.raises(IntegrityError) as caught:
        with db.transaction(write=True) as conn:
            counter.rows(conn, [{"prefix": "p", "value": 1}, {"prefix": "p", "value": 2}])
    assert caught.value.orig is not None and "INSERT INTO case_counter" in caught.value.statement
    with pytest.raises(IntegrityError):  # also where the error surfaces at the end of a pipeline
        with db.transaction(write=True, pipeline=True) as conn:
            counter.rows(conn, [{"prefix": "q", "value": 1}, {"prefix": "q", "value": 2}])


def test_two_hot_statements_cannot_share_a_name():
    registry: dict = {}
    HotStatement("same", select(CaseCounter.prefix), registry)
    with pytest.raises(ValueError, match="exists already"):
        HotInsert("same", CaseCounter.__table__, ["prefix"], registry)


# -- every registered statement against SQLAlchemy's own execution ------------------------------------
def _examples(api: Api, db, keys_config) -> dict:
    """Parameters for each registered statement, from a city with one report in it and a working
    calendar the office changed once."""
    case = api.report("gw1", client_id="0b8a4f5e-8c1d-4b9a-9f5e-2d7c1a3b4c5d").json
    # A second case whose facts are taken away again: the example of writing them.
    other = api.report("gw1").json["id"]
    with db.engine.begin() as conn:
        facts = dict(conn.execute(select(CaseFacts.__table__).where(CaseFacts.case_id == other)).mappings().one())
        conn.execute(delete(CaseFacts.__table__).where(CaseFacts.case_id == other))
    override = OverrideInput(date=date(2027, 2, 20), kind="workday", name="春节调休")
    set_override(db, Caller(Actor(None, "console:test", SYSTEM), chain_keys(keys_config)), override)
    with db.lookup() as conn:
        row = conn.execute(select(Case.__table__).where(Case.id == case["id"])).mappings().one()
        gw1 = conn.execute(select(User.id).where(User.username == "gw1")).scalar()
        events = [
            dict(r) for r in conn.execute(select(CaseEvent.__table__).where(CaseEvent.case_id == case["id"])).mappings()
        ]
        parties = [
            dict(r) for r in conn.execute(select(CaseParty.__table__).where(CaseParty.case_id == case["id"])).mappings()
        ]
    new_case = {k: v for k, v in row.items() if k != "id"} | {
        "client_id": None,
        "number": "410902-20990101-00001",
        "prefix": "410902-20990101-",
    }
    for e in events:
        e.update(id=None, seq=e["seq"] + 10)
    return {
        "auth.token_user": {"uid": gw1},
        "auth.user_grids": {"uid": gw1},
        "places.responsible": WEST_NW,
        "report.duplicates": {
            "category": row["category"],
            "lat0": row["lat"] - 0.001,
            "lat1": row["lat"] + 0.001,
            "lon0": row["lon"] - 0.001,
            "lon1": row["lon"] + 0.001,
            "since": row["created_at"] - timedelta(hours=1),
        },
        "report.next_serial": {"prefix": "410902-20990101-"},
        "report.insert_case": new_case,
        "report.insert_parties": [{k: v for k, v in p.items() if k != "id"} for p in parties],
        "report.insert_events": [{k: v for k, v in e.items() if k not in ("id", "client_id")} for e in events],
        "report.by_client_id": {"reporter": gw1, "client_id": "0b8a4f5e-8c1d-4b9a-9f5e-2d7c1a3b4c5d"},
        "report.insert_facts": [facts],
        "report.anchor": {"case_id": case["id"], "length": 7, "head": "f" * 64, "seal": "e" * 64},
        # A report not filed at once: its counts join its community's tally (sent twice below: the
        # row made, then added to).
        "report.add_tally": tally.row_of(facts | {"state": "reported"}),
        "report.category_and_calendar": {"category": row["category"]},
        "notifications.outbox": _outbox_example(db, row),
    }


def _outbox_example(db, row) -> list[tuple[tuple, dict]]:
    """The outbox statements of a "resolve" and an "escalate" event: notices (and e-mails and SMS, for
    those who want them) to the grid's worker and to the level's staff, and a delivery to a webhook that
    asked for it — (key, values) each."""
    with db.engine.begin() as conn:
        conn.execute(
            insert(Webhook.__table__).values(
                url="https://example.org/hook",
                events=",case.resolved,",
                secret="s",
                active=True,
                created_at=row["created_at"],
            )
        )
    case, out = SimpleNamespace(**row), rules.Outbox()
    now = row["created_at"] + timedelta(hours=1)
    channels = rules.Channels(email=True, sms=True)
    rules.notify(out, case, rules.RULES["resolve"], f"{case.id}:9:resolved", None, now, channels)
    rules.to_webhooks(out, case, "case.resolved", f"{case.id}:9", now)
    # And the level's mediators and supervisors (its recipients' shape differs), in the same statements.
    rules.notify(out, case, rules.RULES["escalate"], f"{case.id}:10:escalated", None, now, channels)
    return [
        ((table, tuple(shape for shape, _ in sources)), {k: v for _, bound in sources for k, v in bound.items()})
        for table, sources in (("notification", out.notices), ("delivery", out.deliveries))
    ]


def _run(db, work) -> list[tuple]:
    """What `work(conn)` returns, inside a transaction that is then rolled back."""
    with db.engine.connect() as conn:
        conn.begin()
        try:
            return work(conn)
        finally:
            conn.rollback()


def test_every_registered_statement_gives_what_sqlalchemy_gives(client, runner, tmp_path, db, backend):
    setup_city(runner, tmp_path, db)
    examples = _examples(Api(client, {}), db, client.application.config)
    assert set(examples) == set(hotpath.REGISTRY), "every hot statement needs an example here"
    dialect = db.engine.dialect.name
    for name, hot in hotpath.REGISTRY.items():
        params = examples[name]
        if isinstance(hot, HotFamily):  # compare what the statements leave stored (ids aside)
            kept = [
                select(*(c for c in t.c if c.key != "id")).order_by(t.c.id)
                for t in (Notification.__table__, Delivery.__table__)
            ]

            def ordinary(conn, hot=hot, params=params, kept=kept):
                for key, values in params:
                    conn.execute(hot.statement(key).statement(dialect), values)
                return [tuple(r) for stmt in kept for r in conn.execute(stmt)]

            def fast(conn, hot=hot, params=params, kept=kept):
                for key, values in params:
                    hot.rows(conn, key, values)
                return [tuple(r) for stmt in kept for r in conn.execute(stmt)]
        elif isinstance(hot, HotInsert):
            table = hot.table
            stmt = hot.statement(len(params))
            flat = HotInsert.params(params)
            stored = select(*(table.c[c] for c in hot.columns)).order_by(*table.primary_key.columns)

            def ordinary(conn, stmt=stmt, flat=flat, stored=stored):
                conn.execute(stmt.statement(dialect), flat)
                return [tuple(r) for r in conn.execute(stored)]

            def fast(conn, hot=hot, params=params, stored=stored):
                hot.rows(conn, params)
                return [tuple(r) for r in conn.execute(stored)]
        elif not hot.statement(dialect).exported_columns:  # an UPDATE or upsert: compare what it leaves stored
            anchor = (
                select(CaseTally.__table__)
                if name == "report.add_tally"
                else select(Case.chain_length, Case.chain_head, Case.chain_seal).where(Case.id == params["case_id"])
            )

            times = 2 if name == "report.add_tally" else 1

            def ordinary(conn, hot=hot, params=params, anchor=anchor, times=times):
                for _ in range(times):
                    conn.execute(hot.statement(dialect), params)
                return [tuple(r) for r in conn.execute(anchor)]

            def fast(conn, hot=hot, params=params, anchor=anchor, times=times):
                for _ in range(times):
                    hot.rows(conn, params)
                return [tuple(r) for r in conn.execute(anchor)]
        else:

            def ordinary(conn, hot=hot, params=params):
                return [tuple(r) for r in conn.execute(hot.statement(dialect), params)]

            def fast(conn, hot=hot, params=params):
                return hot.rows(conn, params)

        expected, got = _run(db, ordinary), _run(db, fast)
        assert expected, f"{name}: the example finds nothing, so it proves nothing"
        if name == "report.insert_case":  # a PostgreSQL sequence is not rolled back: compare the number
            expected, got = [r[1:] for r in expected], [r[1:] for r in got]
        assert got == expected, name
        assert [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in expected], name


def test_a_statement_sqlalchemy_renders_per_execution_is_refused_when_compiled(db):
    hot = HotStatement("t", select(User.id).where(User.role.in_(("admin", "mediator"))), None)
    with db.lookup() as conn:
        with pytest.raises(NeedsPostCompile, match="role_1"):
            hot.rows(conn, {})
