"""The code's own contracts: the database's indexes are the model's (partial predicates included),
the hot queries use them, and changing a predicate without a migration fails here."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import Executable, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement

from geo.levels import LEVELS_BOTTOM_UP
from gridflow import hotpath
from gridflow.cases.lists import queue_statement
from gridflow.cases.sweep import overdue_statements, reminder_statements, step_statements
from gridflow.indexes import index_drift, model_indexes
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.rules import ADMIN, GRID_WORKER, MEDIATOR, Actor

NOW = datetime(2026, 11, 27, 8, 0)


def test_the_databases_indexes_are_the_models_predicates_included(db):
    assert len(model_indexes()) >= 20
    with db.engine.connect() as conn:
        assert index_drift(conn) == []
        conn.rollback()


DRIFT = """
import sys
from gridflow.workflow import table
table.ACTIVE = (*table.ACTIVE, "paused")  # a new active state, added in code only
from gridflow.db import make_engine
from gridflow.indexes import index_drift
engine = make_engine(sys.argv[1])
with engine.connect() as conn:
    print("\\n".join(index_drift(conn)))
"""


def test_adding_a_state_to_the_active_set_without_a_migration_fails(db_url):
    result = subprocess.run([sys.executable, "-c", DRIFT, db_url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    drifted = sorted(line.split(":")[0] for line in result.stdout.splitlines())
    assert drifted == sorted(
        ["ix_case_active_deadline", "ix_case_duplicates", *(f"ix_case_queue_{lvl}" for lvl in LEVELS_BOTTOM_UP)]
    )
    assert "paused" in result.stdout


# -- the hot queries use their indexes (EXPLAIN on both back ends) -------------------------------
class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, stmt):
        self.stmt = stmt


@compiles(Explain, "sqlite")
def _explain_sqlite(element, compiler, **kw):
    return "EXPLAIN QUERY PLAN " + compiler.process(element.stmt, **kw)


@compiles(Explain, "postgresql")
def _explain_postgresql(element, compiler, **kw):
    return "EXPLAIN " + compiler.process(element.stmt, **kw)


def plan(db, stmt, params=None) -> str:
    """The plan of `stmt`; on PostgreSQL with sequential and bitmap scans priced out, so that a small
    table does not hide whether the index *can* be used (a partial index whose predicate the query
    does not imply cannot, and the plan then shows a Seq Scan), and the statistics earlier tests left
    do not make a bitmap over another partial index look cheaper."""
    with db.engine.connect() as conn:
        conn.begin()
        if db.is_postgres:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        rows = conn.execute(Explain(stmt), params or {}).all()
        conn.rollback()
    return "\n".join(str(r[-1]) for r in rows)


def uses(plan_text: str, index: str) -> bool:
    return f" {index} " in f" {plan_text} ".replace("\n", " ").replace("(", " ")


def mediator_at(level: str) -> Actor:
    return Actor(1, "m", MEDIATOR, division_id=1, division_level=level)


@pytest.mark.parametrize("level", LEVELS_BOTTOM_UP)
def test_each_levels_queue_uses_its_own_index(db, level):
    text_ = plan(db, queue_statement(mediator_at(level)))
    assert uses(text_, f"ix_case_queue_{level}"), text_


def test_the_grid_workers_queue_uses_its_index(db):
    text_ = plan(db, queue_statement(Actor(1, "g", GRID_WORKER, grid_ids=frozenset({1, 2}))))
    # The sweep's step-limit index holds exactly the same cases (same predicate): on the suite's nearly
    # empty table PostgreSQL may price either the cheaper; what matters is that the predicate matched.
    assert uses(text_, "ix_case_grid_waiting") or uses(text_, "ix_case_step_deadline"), text_
    assert "Seq Scan" not in text_ and "SCAN case_file" not in text_, text_


def test_the_admins_queue_and_the_sweep_use_the_active_deadline_index(db):
    escalate, flag = overdue_statements(NOW)
    for stmt in (queue_statement(Actor(1, "a", ADMIN)), escalate):
        text_ = plan(db, stmt)
        assert uses(text_, "ix_case_active_deadline"), text_
    text_ = plan(db, flag)  # the city's overdue: either index holds exactly the active cases it needs
    assert uses(text_, "ix_case_active_deadline") or uses(text_, "ix_case_queue_city"), text_


def test_the_sweeps_step_limits_and_reminders_use_their_indexes(db):
    _unset, to_file, late = step_statements(NOW)
    for stmt in (to_file, late):
        text_ = plan(db, stmt)
        assert uses(text_, "ix_case_step_deadline"), text_
    for what, stmt in reminder_statements(WorkCalendar(), NOW.date()):
        text_ = plan(db, stmt)
        assert uses(text_, f"ix_agreement_{what}_deadline"), text_


def test_the_duplicate_look_up_uses_its_index(db):
    hot = hotpath.REGISTRY["report.duplicates"]
    params = {"category": "D02", "lat0": 35.0, "lat1": 35.1, "lon0": 115.0, "lon1": 115.1, "since": NOW}
    text_ = plan(db, hot.statement(db.engine.dialect.name), params)
    assert uses(text_, "ix_case_duplicates"), text_


def test_a_query_that_does_not_state_the_predicate_cannot_use_the_partial_index(db):
    """The checks above can fail: a queue over one more state than the index holds misses it (on SQLite
    even the same states spelled as bound parameters would: it matches predicates by their text)."""
    from sqlalchemy import select

    from gridflow.models import Case

    stmt = select(Case).where(
        Case.state.in_(["reported", "open", "handling"]), Case.level == "street", Case.street_id == 1
    )
    assert not uses(plan(db, stmt.order_by(Case.deadline, Case.id)), "ix_case_queue_street")
