"""Entity imports on SQLite under a live server, written in steps.

SQLite has one writer at a time: an import written as one transaction holds the write lock for all of
it (about 170 µs an entity: 100 s for 600 k), and every report waits for it.  Written in steps of a
few thousand entities, each its own short transaction followed by a pause, the import lets the
reports in between steps.

Each step is the same upsert by ref the one-transaction import does (entities do not depend on each
other), so the result is the same.  It stays all or nothing: what the import will change is saved
first, and an import that fails or is interrupted (Ctrl-C) puts it back.  A process killed outright
cannot: running the same import again completes it (it is idempotent).  PostgreSQL does not need any
of this (readers and writers of different rows do not wait for each other).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from geo.features import EntityRecord
from gridflow.db import Database
from gridflow.errors import Conflict
from gridflow.models import Entity, RoadStretch
from gridflow.places.assignment import AssignmentReport, assign_entities
from gridflow.places.imports import ImportSummary, Progress

STEP = 2000  # entities a step: ~0.3 s of holding the write lock
# A writer waiting for SQLite's lock sleeps and polls (its busy handler: 1, 2, 5 … up to 100 ms apart);
# an import that began its next step at once would take the lock again before any waiter woke up.
PAUSE_S = 0.1
IN_LIST = 5000  # ids or refs in one IN (...)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class _Saved:
    """What an import will change, as it was: its refs, the rows of those that exist, their stretches."""

    refs: list[str]
    entities: list[dict[str, Any]]
    stretches: list[dict[str, Any]]


ENTITY: Table = Entity.__table__  # type: ignore[assignment]
STRETCH: Table = RoadStretch.__table__  # type: ignore[assignment]


def _rows(session: Session, table: Table, column: Any, values: list[Any]) -> list[dict[str, Any]]:
    return [
        dict(r)
        for chunk in _chunks(values, IN_LIST)
        for r in session.execute(select(table).where(column.in_(chunk))).mappings()
    ]


def _save(db: Database, refs: list[str]) -> _Saved:
    with db.session() as s:
        entities = _rows(s, ENTITY, ENTITY.c.ref, refs)
        stretches = _rows(s, STRETCH, STRETCH.c.entity_id, [e["id"] for e in entities])
    return _Saved(refs, entities, stretches)


def _undo(db: Database, saved: _Saved) -> None:
    """Put back what `saved` holds: entities the import created go, changed ones get their old values
    and stretches back."""
    entity, stretch = ENTITY, STRETCH
    before = {e["ref"] for e in saved.entities}
    with db.session(write=True) as s:
        created = [r for r in saved.refs if r not in before]
        for chunk in _chunks(created, IN_LIST):
            s.execute(delete(entity).where(entity.c.ref.in_(chunk)))  # their stretches go with them (cascade)
        for chunk in _chunks([e["id"] for e in saved.entities], IN_LIST):
            s.execute(delete(stretch).where(stretch.c.entity_id.in_(chunk)))
        restore = update(entity).where(entity.c.id == bindparam("old_id"))  # SET: every other column given
        for chunk in _chunks(saved.entities, IN_LIST):
            s.execute(restore, [{"old_id": e["id"]} | {k: v for k, v in e.items() if k != "id"} for e in chunk])
        for chunk in _chunks(saved.stretches, IN_LIST):
            s.execute(insert(stretch), chunk)


def _merge(total: AssignmentReport, part: AssignmentReport) -> None:
    for name in ("assigned", "unassigned", "straddling", "road_stretches"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.moves.extend(part.moves)
    total.unassigned_refs.extend(part.unassigned_refs)


def import_entities_in_steps(
    db: Database, records: list[EntityRecord], progress: Progress | None = None, step: int | None = None
) -> ImportSummary:
    """The entity import (see places.imports) in transactions of `step` entities; all or nothing."""
    saved = _save(db, [r.ref for r in records])
    summary = ImportSummary("entities", assignment=AssignmentReport())
    steps: list[list[EntityRecord]] = list(_chunks(records, step or STEP))
    try:
        for i, part in enumerate(progress(steps) if progress else steps):
            if i:
                time.sleep(PAUSE_S)  # without the lock: a waiting report takes it now
            with db.session(write=True) as s:
                report, created, updated = assign_entities(s, part, lambda items: items)
            summary.created += created
            summary.updated += updated
            _merge(summary.assignment, report)  # type: ignore[arg-type]
    except BaseException as failure:
        if summary.created + summary.updated == 0:
            raise  # no step was written: nothing to undo
        try:
            _undo(db, saved)
        except Exception as undo_failure:
            raise Conflict(
                f"the import stopped after {summary.created + summary.updated} of {len(records)} entities "
                f"({failure!r}) and could not be undone ({undo_failure.__class__.__name__}): run the same "
                "import again to complete it"
            ) from failure
        raise
    return summary
