"""The periodic sweep: the time limit of every step.

- overdue cases go up a level ("overdue"); overdue at city level is flagged;
- a `reported` case its grid worker did not file or reject within its category's filing limit is
  filed at community level by the system, marked unchecked (`auto_file`);
- a `resolved` case not verified within its category's verification limit is marked
  (`verification_late`, once per resolution);
- an agreement's performance deadline and its judicial-confirmation window are recalled three working
  days before and on the day (`remind`, each once).

Safe to run twice at once and to die half-way: each batch is one transaction; on PostgreSQL the rows
are locked (`FOR UPDATE SKIP LOCKED`) so two sweeps take different cases; on SQLite the batch takes the
write lock first; and every change is conditional on the version it read (optimistic locking).  Each
step's statement no longer finds a row once the step is done with it, so a step run again does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.act import fire_event
from gridflow.cases.office import Office
from gridflow.cases.policy import Policy
from gridflow.clock import iso_local, local_date
from gridflow.db import Database
from gridflow.models import Agreement, Case
from gridflow.models.cases import ACTIVE_SQL, AWAITING_GRID_WORKER_SQL, states_sql
from gridflow.notifications.warnings import warn_due
from gridflow.workflow import table
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.rules import (
    SYSTEM_ACTOR,
    early_reminder_day,
    filing_deadline,
    reminder_due,
    verification_deadline,
)

BATCH = 500
OVERDUE = "overdue"
REMINDED_DATES = ("performance", "confirmation")  # Agreement.<what>_deadline, .<what>_reminded
REMIND_HORIZON_DAYS = 31  # the early reminder comes at most this many days before (long holidays)


@dataclass
class SweepReport:
    escalated: int = 0
    flagged: int = 0
    step_deadlines: int = 0  # cases stored before step limits existed, given theirs
    auto_filed: int = 0
    verification_late: int = 0
    reminded: int = 0
    conflicts: int = 0
    warned: int = 0

    def line(self) -> str:
        return (
            f"sweep: {self.escalated} escalated, {self.flagged} flagged overdue at city level, "
            f"{self.auto_filed} filed unchecked, {self.verification_late} late for verification, "
            f"{self.reminded} reminders, {self.warned} warned at 80 %"
        )


# A step acts on one row the statement found ((case,) or (case, agreement)); True if it did something.
Step = Callable[[Session, Any, Office, datetime, Policy], bool]


def _batch(db: Database, stmt: Select, step: Step, now: datetime, policy: Policy) -> tuple[int, int]:
    with db.session(write=True) as s:
        if db.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(s.execute(stmt.limit(BATCH)))
        office = Office.load(s, db, policy, [row[0] for row in rows])
        with s.no_autoflush:  # one flush for all changes (each event's chain link comes from its case row)
            done = sum(step(s, row, office, now, policy) for row in rows)
        try:
            s.flush()
        except StaleDataError:  # another sweep changed one of them first: it did the work
            s.rollback()
            return 0, 1
        return done, 0


def _event(event: str, data: dict | None = None) -> Step:
    def step(s: Session, row: Any, office: Office, now: datetime, policy: Policy) -> bool:
        fire_event(s, row[0], SYSTEM_ACTOR, event, dict(data or {}), now, policy, office)
        return True

    return step


def _late_step(event: str, limit_of: str) -> Step:
    """A grid worker's step past its limit: the event, with the limit it had in the timeline."""

    def step(s: Session, row: Any, office: Office, now: datetime, policy: Policy) -> bool:
        case = row[0]
        limit = getattr(office.category_of(case), limit_of)
        record = {"limit": limit.to_dict(), "deadline": iso_local(case.step_deadline)}
        fire_event(s, case, SYSTEM_ACTOR, event, {}, now, policy, office, record)
        return True

    return step


def _give_step_deadline(s: Session, row: Any, office: Office, now: datetime, policy: Policy) -> bool:
    """A case stored before step limits existed: its limit counted from when the step began."""
    case = row[0]
    category = office.category_of(case)
    if case.state == "reported":
        case.step_deadline = filing_deadline(office.calendar, category, case.created_at)
    else:
        case.step_deadline = verification_deadline(office.calendar, category, case.resolved_at or case.updated_at)
    return True


def overdue_statements(now: datetime) -> tuple[Select, Select]:
    """(to escalate, to flag at city level): overdue active cases, stated as the sweep's partial index
    states it (a test EXPLAINs them on both back ends)."""
    overdue = select(Case).where(ACTIVE_SQL, Case.deadline < now).order_by(Case.deadline, Case.id)
    top = LEVELS_BOTTOM_UP[-1]
    return overdue.where(Case.level != top), overdue.where(Case.level == top, Case.overdue_flagged_at.is_(None))


def step_statements(now: datetime) -> tuple[Select, Select, Select]:
    """(without a step deadline, to file unchecked, late for verification): the grid worker's steps,
    stated as their partial index (ix_case_step_deadline) states them."""
    waiting = select(Case).where(AWAITING_GRID_WORKER_SQL)
    late = waiting.where(Case.step_deadline < now).order_by(Case.step_deadline, Case.id)
    return (
        waiting.where(Case.step_deadline.is_(None)).order_by(Case.id),
        late.where(Case.state == "reported"),
        late.where(Case.state == "resolved", Case.verification_late_at.is_(None)),
    )


REMINDED_STATES_SQL = states_sql(table.EVENTS["remind"][0].source)


def reminder_statements(calendar: WorkCalendar, today: date) -> list[tuple[str, Select]]:
    """(what, statement) for the agreements whose date is recalled today and not yet as much as it
    should be: the date is today (the day's reminder), or within reach of its early reminder."""
    last_early = today
    for n in range(1, REMIND_HORIZON_DAYS + 1):
        if early_reminder_day(calendar, today + timedelta(days=n)) <= today:
            last_early = today + timedelta(days=n)
    out = []
    for what in REMINDED_DATES:
        due, given = getattr(Agreement, f"{what}_deadline"), getattr(Agreement, f"{what}_reminded")
        out.append(
            (
                what,
                select(Case, Agreement)
                .join(Agreement, Agreement.case_id == Case.id)
                .where(REMINDED_STATES_SQL, due >= today, due <= last_early)
                .where(((due == today) & (given < 2)) | ((due > today) & (given < 1)))
                .order_by(due, Case.id),
            )
        )
    return out


def _remind(what: str, today: date) -> Step:
    def step(s: Session, row: Any, office: Office, now: datetime, policy: Policy) -> bool:
        case, agreement = row
        due: date = getattr(agreement, f"{what}_deadline")
        stage = reminder_due(office.calendar, due, today, getattr(agreement, f"{what}_reminded"))
        if stage is None:
            return False
        record = {"what": what, "due": due.isoformat()}
        fire_event(s, case, SYSTEM_ACTOR, "remind", {}, now, policy, office, record)
        setattr(agreement, f"{what}_reminded", stage)
        return True

    return step


def _run(db: Database, stmt: Select, step: Step, now: datetime, policy: Policy, report: SweepReport, attr: str) -> None:
    while True:
        done, conflicts = _batch(db, stmt, step, now, policy)
        setattr(report, attr, getattr(report, attr) + done)
        report.conflicts += conflicts
        if not done and not conflicts:
            return


def sweep(db: Database, now: datetime, policy: Policy) -> SweepReport:
    report = SweepReport()
    escalate, flag = overdue_statements(now)
    unset, to_file, late = step_statements(now)
    _run(db, unset, _give_step_deadline, now, policy, report, "step_deadlines")
    _run(db, escalate, _event("escalate", {"reason": OVERDUE}), now, policy, report, "escalated")
    _run(db, flag, _event("flag_overdue", {"reason": OVERDUE}), now, policy, report, "flagged")
    _run(db, to_file, _late_step("auto_file", "filing_limit"), now, policy, report, "auto_filed")
    _run(db, late, _late_step("verification_late", "verification_limit"), now, policy, report, "verification_late")
    today = local_date(now)
    with db.session() as s:
        calendar = Office.load(s, db, policy, []).calendar
    for what, stmt in reminder_statements(calendar, today):
        _run(db, stmt, _remind(what, today), now, policy, report, "reminded")
    report.warned = warn_due(db, now, policy)
    return report
