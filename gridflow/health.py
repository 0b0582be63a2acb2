"""Is this installation well: the database answers, the schema is at the code's migration head, the
scheduler sweeps.  The scheduler records a heartbeat after every sweep; GET /healthz reads it.  From 1
December it also reminds the office to confirm next year's working calendar (a warning only: the
installation is not degraded by it)."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from gridflow.calendar.reminders import calendar_warning
from gridflow.clock import iso_local
from gridflow.db import Database
from gridflow.migrate import heads
from gridflow.models.health import Heartbeat

SWEEP = "sweep"
STALE_INTERVALS = 3  # a scheduler silent for this many sweep intervals is reported


def record_heartbeat(db: Database, job: str, at: datetime, summary: str | None = None) -> None:
    """`job` finished at `at` on this host (one row per job, replaced each time)."""
    insert = postgresql.insert if db.is_postgres else sqlite.insert
    values = {"job": job, "at": at, "host": socket.gethostname()[:255], "pid": os.getpid(), "summary": summary}
    stmt = insert(Heartbeat).values(values)
    stmt = stmt.on_conflict_do_update(index_elements=["job"], set_={k: stmt.excluded[k] for k in values if k != "job"})
    with db.transaction(write=True) as conn:
        conn.execute(stmt)


def _migration_state(conn) -> tuple[str, str | None]:
    """("head" | "behind", a warning or None); raises if the database does not answer at all."""
    expected = heads()
    try:
        current = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        conn.execute(text("SELECT 1"))  # no schema, or no database: this tells which
        current = set()
    if current == expected:
        return "head", None
    at = ", ".join(sorted(current)) or "no schema"
    return "behind", f"the database is at {at}, the code needs {', '.join(sorted(expected))}: run `gridflow db upgrade`"


def status(db: Database, sweep_interval_s: float, now: datetime) -> tuple[dict, int]:
    """The health report and its HTTP status: 503 only when the database is unreachable or the schema
    is not at head; a scheduler that never swept or fell silent makes it 200 "degraded"; the calendar
    reminder is a warning in the list, nothing more."""
    body: dict = {"status": "ok", "database": "ok", "migrations": None, "scheduler": None, "warnings": []}
    try:
        with db.lookup() as conn:
            body["migrations"], warning = _migration_state(conn)
            beat, reminder = None, None
            if body["migrations"] == "head":
                beat = conn.execute(select(Heartbeat.at).where(Heartbeat.job == SWEEP)).scalar()
                reminder = calendar_warning(conn, now)  # no statement before December
    except SQLAlchemyError as exc:
        body |= {"status": "down", "database": "unreachable", "warnings": [f"database: {exc.__class__.__name__}"]}
        return body, 503
    if warning:
        body |= {"status": "down", "warnings": [warning]}
        return body, 503
    age = None if beat is None else round((now - beat).total_seconds(), 1)
    body["scheduler"] = {"last_sweep": iso_local(beat), "age_s": age}
    if age is None:
        body["warnings"].append("the scheduler has never swept: start `gridflow scheduler` (one per installation)")
    elif age > STALE_INTERVALS * sweep_interval_s:
        body["warnings"].append(
            f"the scheduler last swept {age:.0f} s ago (more than {STALE_INTERVALS} intervals of "
            f"{sweep_interval_s:g} s): is `gridflow scheduler` running?"
        )
    if body["warnings"]:
        body["status"] = "degraded"
    if reminder:
        body["warnings"].append(reminder)
    return body, 200
