"""Statements run on the driver's cursor store and find exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, insert, select

from gridflow.hotpath import HotInsert, HotStatement
from gridflow.models import CaseCounter, User

WHOLE_SECOND = datetime(2026, 10, 1, 8, 0, 0)  # no microseconds: the case where text formats differ


def test_a_hot_insert_reads_back_through_the_orm_and_finds_what_sqlalchemy_finds(db):
    hot_insert = HotInsert(User.__table__, ["username", "display_name", "password_hash", "role", "active"])
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
        assert HotStatement(stmt).rows(conn, {"a": True}) == [tuple(r) for r in conn.execute(stmt, {"a": True})]


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
        assert HotStatement(until).rows(conn, {"until": WHOLE_SECOND}) == [(1,)]
        assert [tuple(r) for r in conn.execute(until, {"until": WHOLE_SECOND})] == [(1,)]


def test_a_hot_statement_takes_part_in_the_transaction(db):
    hot_insert = HotInsert(CaseCounter.__table__, ["prefix", "value"])
    with pytest.raises(RuntimeError):
        with db.transaction(write=True) as conn:
            hot_insert.rows(conn, [{"prefix": "lost", "value": 1}])
            raise RuntimeError("rolled back")
    with db.session() as s:
        assert s.scalars(select(CaseCounter.prefix)).all() == []
