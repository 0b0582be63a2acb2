"""Keeping `case_facts` up to date: in the transaction of every event (the report's insert, and
`cases.act.fire_event`, through which every other state change goes), and rebuilt from a stored
timeline where a case has no facts yet (the migration's backfill, cases bulk-loaded by benches)."""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, inspect, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.models import Case, CaseEvent, CaseFacts, Grid
from gridflow.stats import tally
from gridflow.stats.facts import advance, new_facts
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import Category
from gridflow.workflow.timeline import deadlines

COLUMNS = [c.key for c in CaseFacts.__table__.columns]


def facts_of_report(
    case: Any, events: Sequence[tuple[str, dict]], category: Category, worker_id: int | None, calendar: WorkCalendar
) -> dict[str, Any]:
    """The facts of a case being reported (`case`: as written, after its first events; `events`:
    (event, record) of each, `report` first)."""
    facts = new_facts(case, category.duty, worker_id)
    for event, record in events:
        filed = event == "file"
        advance(
            facts,
            event,
            case.created_at,
            record,
            case.state if filed else "reported",
            case.level,
            case.deadline if filed else None,
            calendar,
        )
    return facts


def after_event(
    s: Session, case: Case, event: str, now: datetime, record: dict, category: Category, calendar: WorkCalendar
) -> None:
    """Move the case's facts past the event just appended (same unit of work)."""
    row = s.get(CaseFacts, case.id)
    if row is None:  # stored without facts (bulk-loaded): rebuilt from the timeline, this event included
        s.flush()
        facts = rebuild(s, case, category, calendar)
        s.add(CaseFacts(**facts))
        tally.change(s.connection(), None, facts)
        return
    before = {c: getattr(row, c) for c in COLUMNS}
    facts = dict(before)
    advance(facts, event, now, record, case.state, case.level, case.deadline, calendar)
    for c in COLUMNS:
        if getattr(row, c) != facts[c]:
            setattr(row, c, facts[c])
    tally.change(s.connection(), before, facts)


def rebuild(s: Session, case: Any, category: Category, calendar: WorkCalendar) -> dict[str, Any]:
    """A case's facts from its stored timeline (deadlines as the workflow set them)."""
    conn = s.connection()
    events = list(conn.execute(_EVENTS.where(_EVENT.c.case_id == case.id).order_by(_EVENT.c.seq)))
    worker_id = conn.execute(select(Grid.worker_id).where(Grid.id == case.grid_id)).scalar()
    return fold(case, events, category, worker_id, calendar)


def fold(case: Any, events: Sequence[Any], category: Category, worker_id: int | None, calendar: WorkCalendar) -> dict:
    """The facts of `case` after its `events` (stored rows, in order)."""
    facts = new_facts(case, category.duty, worker_id)
    after = deadlines(events, category.limit, calendar)
    for e, deadline in zip(events, after):
        data = json.loads(e.data) if isinstance(e.data, str) else e.data
        advance(facts, e.event, e.at, data, e.to_state, e.to_level, deadline, calendar)
    return facts


_CASE, _EVENT, _FACTS = (typing.cast(Table, m.__table__) for m in (Case, CaseEvent, CaseFacts))
# Only the columns the facts read: the backfill runs inside a migration, where later columns may not exist yet.
_EVENTS = select(
    *(
        _EVENT.c[n]
        for n in ("case_id", "seq", "at", "event", "from_state", "to_state", "from_level", "to_level", "data")
    )
)
_CASES = select(
    *(_CASE.c[n] for n in ("id", "created_at", "kind", "category", "category_version", "grid_id")),
    *(_CASE.c[f"{lvl}_id"] for lvl in LEVELS_BOTTOM_UP),
)


def backfill(conn: Connection, categories: dict, calendar: WorkCalendar, batch: int = 2000) -> int:
    """Facts for every case that has none (`categories`: {(code, version): Category}), in batches;
    returns how many were written."""
    # Only the columns the table has now: inside an earlier migration, later ones do not exist yet
    # (the migration that adds one fills it).
    stored = {c["name"] for c in inspect(conn).get_columns("case_facts")}
    done, last = 0, 0
    while True:
        cases = list(
            conn.execute(
                _CASES.where(
                    _CASE.c.id > last, ~select(_FACTS.c.case_id).where(_FACTS.c.case_id == _CASE.c.id).exists()
                )
                .order_by(_CASE.c.id)
                .limit(batch)
            )
        )
        if not cases:
            return done
        ids = [c.id for c in cases]
        events: dict[int, list] = {i: [] for i in ids}
        for e in conn.execute(_EVENTS.where(_EVENT.c.case_id.in_(ids)).order_by(_EVENT.c.case_id, _EVENT.c.seq)):
            events[e.case_id].append(e)
        grids = select(Grid.id, Grid.worker_id).where(Grid.id.in_({c.grid_id for c in cases}))
        workers = {g.id: g.worker_id for g in conn.execute(grids)}
        rows = [
            {
                k: v
                for k, v in fold(
                    c, events[c.id], categories[(c.category, c.category_version)], workers.get(c.grid_id), calendar
                ).items()
                if k in stored
            }
            for c in cases
        ]
        conn.execute(insert(_FACTS), rows)
        done += len(rows)
        last = ids[-1]
