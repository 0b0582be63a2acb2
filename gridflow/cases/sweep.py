"""The periodic sweep: overdue cases go up a level ("overdue"); overdue at city level is flagged.

Safe to run twice at once and to die half-way: each batch is one transaction; on PostgreSQL the rows
are locked (`FOR UPDATE SKIP LOCKED`) so two sweeps take different cases; on SQLite the batch takes the
write lock first; and every change is conditional on the version it read (optimistic locking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm.exc import StaleDataError

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.act import fire_event
from gridflow.cases.office import Office
from gridflow.cases.policy import Policy
from gridflow.db import Database
from gridflow.models import Case
from gridflow.models.cases import ACTIVE_SQL
from gridflow.notifications.warnings import warn_due
from gridflow.workflow.rules import SYSTEM_ACTOR

BATCH = 500
OVERDUE = "overdue"


@dataclass
class SweepReport:
    escalated: int = 0
    flagged: int = 0
    conflicts: int = 0
    warned: int = 0

    def line(self) -> str:
        return (
            f"sweep: {self.escalated} escalated, {self.flagged} flagged overdue at city level, "
            f"{self.warned} warned at 80 %"
        )


def _batch(db: Database, stmt, event: str, data: dict, now: datetime, policy: Policy) -> tuple[int, int]:
    with db.session(write=True) as s:
        if db.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        cases = list(s.scalars(stmt.limit(BATCH)))
        office = Office.load(s, db, policy, cases)
        with s.no_autoflush:  # one flush for all changes (each event's chain link comes from its case row)
            for case in cases:
                fire_event(s, case, SYSTEM_ACTOR, event, dict(data), now, policy, office)
        try:
            s.flush()
        except StaleDataError:  # another sweep changed one of them first: it did the work
            s.rollback()
            return 0, 1
        return len(cases), 0


def overdue_statements(now: datetime) -> tuple[Select, Select]:
    """(to escalate, to flag at city level): overdue active cases, stated as the sweep's partial index
    states it (a test EXPLAINs them on both back ends)."""
    overdue = select(Case).where(ACTIVE_SQL, Case.deadline < now).order_by(Case.deadline, Case.id)
    top = LEVELS_BOTTOM_UP[-1]
    return overdue.where(Case.level != top), overdue.where(Case.level == top, Case.overdue_flagged_at.is_(None))


def sweep(db: Database, now: datetime, policy: Policy) -> SweepReport:
    report = SweepReport()
    escalate, flag = overdue_statements(now)
    for stmt, event, data, attr in (
        (escalate, "escalate", {"reason": OVERDUE}, "escalated"),
        (flag, "flag_overdue", {"reason": OVERDUE}, "flagged"),
    ):
        while True:
            done, conflicts = _batch(db, stmt, event, data, now, policy)
            setattr(report, attr, getattr(report, attr) + done)
            report.conflicts += conflicts
            if not done and not conflicts:
                break
    report.warned = warn_due(db, now, policy)
    return report
