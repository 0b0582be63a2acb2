"""Lists of cases: search inside the caller's area, and the work queue."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from gridflow.cases.act import get_case
from gridflow.cases.search import words_condition, words_in_queue
from gridflow.cases.sweep import OVERDUE
from gridflow.cases.view import case_summary, load_names
from gridflow.categories import store as categories
from gridflow.clock import CST, local_date, utcnow
from gridflow.db import Database
from gridflow.errors import N_, Forbidden, Invalid, NotFound
from gridflow.models import Agreement, Case, CaseEvent, Division, FollowUp, Grid
from gridflow.models.cases import ACTIVE_SQL, AWAITING_GRID_WORKER_SQL, queue_predicate
from gridflow.people.access import area_condition, visible_conditions
from gridflow.schemas.cases import (
    CaseDetail,
    CaseFilters,
    CasePage,
    CaseSearch,
    CaseSummary,
    FollowUpDue,
    FollowUpsDue,
    Paging,
)
from gridflow.schemas.queue import QueueItem, QueuePage, QueueQuery, QueueSlice
from gridflow.workflow import rules, table
from gridflow.workflow.rules import ADMIN, GRID_WORKER, Actor


def _paginate(s: Session, db: Database, stmt: Select, paging: Paging, now: datetime, partial: bool) -> CasePage:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    cases = list(s.scalars(stmt.limit(paging.per_page).offset((paging.page - 1) * paging.per_page)))
    names = load_names(s, cases, db)
    return CasePage(
        items=[case_summary(c, names, now) for c in cases],
        page=paging.page,
        per_page=paging.per_page,
        total=total,
        partial=partial,
    )


def _day_start(day: date) -> datetime:
    """The first moment of a day in China, as stored (naive UTC)."""
    return datetime.combine(day, time(), CST).astimezone(UTC).replace(tzinfo=None)


def _ever_overdue(now: datetime) -> ColumnElement[bool]:
    """Past a deadline at some time: now (before the sweep has seen it), or as the sweep found it
    (it escalates overdue cases and flags them at the top level, both with the reason "overdue")."""
    swept = select(CaseEvent.id).where(
        CaseEvent.case_id == Case.id,
        CaseEvent.event.in_(("escalate", "flag_overdue")),
        CaseEvent.actor_id.is_(None),
        CaseEvent.reason == OVERDUE,
    )
    return or_(and_(ACTIVE_SQL, Case.deadline < now), Case.overdue_flagged_at.is_not(None), swept.exists())


def _grid_id(s: Session, code: str) -> int:
    grid_id = s.scalar(select(Grid.id).where(Grid.code == code))
    if grid_id is None:
        raise Invalid(N_("no grid with code %(code)s"), field="grid", params={"code": code})
    return grid_id


# Risk as a rank (red first), for `sort=risk`.
_RISK_RANK = case({"red": 0, "orange": 1, "yellow": 2}, value=Case.risk, else_=3)


def _deadline_hour(dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return func.date_trunc("hour", Case.deadline)
    return func.strftime("%Y-%m-%d %H", Case.deadline)


def _ordered(stmt: Select, sort: str | None, dialect: str) -> Select:
    if sort == "deadline":
        return stmt.order_by(Case.deadline.is_(None), Case.deadline, Case.id)
    if sort == "risk":  # the queue by deadline hour, the riskiest first within each hour
        hour = _deadline_hour(dialect)
        return stmt.order_by(Case.deadline.is_(None), hour, _RISK_RANK, Case.deadline, Case.id)
    return stmt.order_by(Case.id.desc())  # newest reported first (ids grow with report time)


def search_statement(s: Session, actor: Actor, q: CaseFilters, now: datetime) -> tuple[Select, bool]:
    """(the cases inside the caller's area matching every filter given, in the order asked for;
    whether a two-character `q` was looked for in the newest cases only, see gridflow.cases.search)."""
    area = visible_conditions(actor)
    stmt = select(Case).where(*area)
    partial = False
    if q.number:
        stmt = stmt.where(Case.number == q.number)
    if q.state:
        stmt = stmt.where(Case.state.in_(q.state.split(",")))
    if q.level:
        stmt = stmt.where(Case.level == q.level)
    if q.category:
        categories.require_known(s, q.category)
        stmt = stmt.where(Case.category == q.category)
    if q.kind:
        stmt = stmt.where(Case.kind == q.kind)
    if q.division:
        division = s.scalars(select(Division).where(Division.code == q.division)).first()
        if division is None:
            raise Invalid(f"no division with code {q.division}", field="division")
        stmt = stmt.where(getattr(Case, f"{division.level}_id") == division.id)
    if q.grid:
        stmt = stmt.where(Case.grid_id == _grid_id(s, q.grid))
    if q.overdue is not None:
        overdue = and_(ACTIVE_SQL, Case.deadline < now)
        stmt = stmt.where(overdue if q.overdue else ~overdue)
    if q.from_:
        stmt = stmt.where(Case.created_at >= _day_start(q.from_))
    if q.to:
        stmt = stmt.where(Case.created_at < _day_start(q.to + timedelta(days=1)))
    if q.assignee:
        stmt = stmt.where(Case.assignee_id == q.assignee)
    if q.risk:
        stmt = stmt.where(Case.risk == q.risk)
    if q.ever_overdue is not None:
        stmt = stmt.where(_ever_overdue(now) if q.ever_overdue else ~_ever_overdue(now))
    if q.escalated is not None:
        stmt = stmt.where(Case.escalations > 0 if q.escalated else Case.escalations == 0)
    if q.q:
        condition, partial = words_condition(s, q.q)
        stmt = stmt.where(condition)
    stmt = _supervised(stmt, q.supervised)
    return _ordered(stmt, q.sort, s.get_bind().dialect.name), partial


def search(db: Database, actor: Actor, q: CaseSearch) -> CasePage:
    """Cases inside the caller's area matching every filter given, newest first (or as `sort` says)."""
    now = utcnow()
    with db.session() as s:
        stmt, partial = search_statement(s, actor, q, now)
        return _paginate(s, db, stmt, q, now, partial)


def by_number(db: Database, actor: Actor, number: str) -> CaseDetail:
    """The case with this number, as `GET /cases/{id}` answers it (404 outside the caller's area)."""
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.number == number))
    if case_id is None:
        raise NotFound("no such case", field="number")
    return get_case(db, actor, case_id)


def queue_statement(actor: Actor) -> Select:
    """The caller's work queue, stated as its partial index states it (see models.cases; a test
    EXPLAINs this statement on both back ends)."""
    if actor.role == GRID_WORKER:
        stmt = select(Case).where(Case.grid_id.in_(actor.grid_ids or [-1]), AWAITING_GRID_WORKER_SQL)
        return stmt.order_by(Case.deadline.is_(None), Case.deadline, Case.created_at)
    stmt = select(Case).where(ACTIVE_SQL)
    if actor.role != ADMIN:
        assert actor.division_level is not None  # mediators and supervisors act for a division
        stmt = select(Case).where(
            queue_predicate(actor.division_level),
            getattr(Case, f"{actor.division_level}_id") == actor.division_id,
        )
    return stmt.order_by(Case.deadline, Case.id)


def queue_item(case: Case, names: dict, actor: Actor, now: datetime) -> QueueItem:
    """A queue's row: the case, and what the caller may do to it now."""
    item = case_summary(case, names, now, QueueItem, allowed_events=table.allowed_events(case, actor))
    assert isinstance(item, QueueItem)
    return item


def queue(db: Database, actor: Actor, paging: Paging) -> QueuePage:
    """What the caller can act on now, at his level and in his area, soonest deadline first."""
    now = utcnow()
    with db.session() as s:
        stmt = queue_statement(actor)
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        cases = list(s.scalars(stmt.limit(paging.per_page).offset((paging.page - 1) * paging.per_page)))
        names = load_names(s, cases, db)
        items = [queue_item(c, names, actor, now) for c in cases]
        return QueuePage(items=items, page=paging.page, per_page=paging.per_page, total=total)


def _supervised(stmt: Select, supervised: bool | None) -> Select:
    """Under supervision (督办) from an upper level (the mark ends with the case), or not."""
    if supervised is None:
        return stmt
    return stmt.where(Case.supervised_level.is_not(None) if supervised else Case.supervised_level.is_(None))


# -- the desk's queue: filters, keyset pages ----------------------------------------------------
def _filtered(s: Session, stmt: Select, q: QueueQuery) -> Select:
    stmt = _supervised(stmt, q.supervised)
    if q.kind:
        stmt = stmt.where(Case.kind == q.kind)
    if q.category:
        stmt = stmt.where(Case.category == q.category)
    if q.state:
        stmt = stmt.where(Case.state == q.state)
    if q.grid:
        stmt = stmt.where(Case.grid_id == _grid_id(s, q.grid))
    if q.q:
        # The case search's words (a short text is scanned in the queue's own rows: one level of one
        # division, never the table), or part of the number.
        words = words_in_queue(s.get_bind().dialect.name, q.q)
        if NUMBER_CHARACTERS.fullmatch(q.q):
            words = or_(Case.number.contains(q.q, autoescape=True), words)
        # (Otherwise it cannot be part of a number, and the substring index alone can answer.)
        stmt = stmt.where(words)
    return stmt


# What a case number is made of (410902-20261126-00042): a text with anything else is no part of one.
NUMBER_CHARACTERS = re.compile(r"[0-9-]+")


def cursor_of(item: CaseSummary | Case) -> str:
    """A row's place in the queue's order (deadline, then id), as the desk's links carry it."""
    deadline = item.deadline
    assert deadline is not None  # active cases always have one
    if deadline.tzinfo is not None:  # a read model's time (China time): back to stored naive UTC
        deadline = deadline.astimezone(UTC).replace(tzinfo=None)
    return f"{deadline.isoformat(timespec='microseconds')}_{item.id}"


def _position(cursor: str) -> tuple[datetime, int]:
    deadline, _, case_id = cursor.partition("_")
    return datetime.fromisoformat(deadline), int(case_id)


def queue_slice(db: Database, actor: Actor, q: QueueQuery) -> QueueSlice:
    """One page of the caller's queue (mediators, supervisors, admins), filtered, by keyset: the rows
    after (or before) a cursor in deadline order, read straight off the level's queue index, so the
    hundredth page costs what the first does."""
    if actor.role == GRID_WORKER:
        raise Forbidden("a grid worker's queue is not a desk queue", field="role")
    now = utcnow()
    with db.session() as s:
        base = _filtered(s, queue_statement(actor).order_by(None), q)
        total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
        forward = base.order_by(Case.deadline, Case.id)
        rows: list[Case] = []
        if q.before:
            at, case_id = _position(q.before)
            earlier = and_(Case.deadline <= at, or_(Case.deadline < at, Case.id < case_id))
            rows = list(
                s.scalars(base.where(earlier).order_by(Case.deadline.desc(), Case.id.desc()).limit(q.per_page + 1))
            )
            more_before, rows = len(rows) > q.per_page, rows[: q.per_page][::-1]
            more_after = bool(rows)
        if not rows:  # the first page (or a "previous" that found nothing before it any more)
            stmt = forward
            if q.after and not q.before:
                at, case_id = _position(q.after)
                stmt = stmt.where(and_(Case.deadline >= at, or_(Case.deadline > at, Case.id > case_id)))
            rows = list(s.scalars(stmt.limit(q.per_page + 1)))
            more_after, rows = len(rows) > q.per_page, rows[: q.per_page]
            more_before = bool(q.after and not q.before)
        names = load_names(s, rows, db)
        return QueueSlice(
            items=[queue_item(c, names, actor, now) for c in rows],
            total=total,
            after=cursor_of(rows[-1]) if rows and more_after else None,
            before=cursor_of(rows[0]) if rows and more_before else None,
        )


FOLLOW_UPS_LISTED = 100


def follow_ups_due(db: Database, actor: Actor) -> FollowUpsDue:
    """The closed cases of the caller's area whose follow-up visit is due today (the workflow's rule,
    `rules.follow_up_due_on`), the longest due first.

    Two kinds, each narrowed in the database: closed cases without a performance deadline and never
    visited (due from their closing: the many, counted and limited there), and those with a deadline
    that has come and no visit since (the few; a visit is compared with the deadline's day in UTC
    there, in China time by the rule here)."""
    now = utcnow()
    today = local_date(now)
    area = area_condition(actor)
    in_area = [Case.state == "closed", Case.closed_at.is_not(None), *([] if area is None else [area])]
    any_visit = select(FollowUp.id).where(FollowUp.case_id == Case.id).correlate(Case).exists()
    never_visited = (
        select(Case)
        .outerjoin(Agreement, Agreement.case_id == Case.id)
        .where(*in_area, Agreement.performance_deadline.is_(None), ~any_visit)
    )
    last_visit = (
        select(func.max(FollowUp.visited_at)).where(FollowUp.case_id == Case.id).correlate(Case).scalar_subquery()
    )
    deadline_come = (
        select(Case, Agreement.performance_deadline, last_visit.label("last_visit"))
        .join(Agreement, Agreement.case_id == Case.id)
        .where(
            *in_area,
            Agreement.performance_deadline <= today,
            or_(last_visit.is_(None), last_visit < Agreement.performance_deadline),
        )
    )
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(never_visited.subquery())) or 0
        first = s.scalars(never_visited.order_by(Case.closed_at, Case.id).limit(FOLLOW_UPS_LISTED))
        due: list[tuple[date, int, Case, str, date | None, datetime | None]] = [
            (_closed_on(c), c.id, c, rules.FOLLOW_UP_SATISFACTION, None, None) for c in first
        ]
        for case_, deadline, visit_at in s.execute(deadline_come):
            due_on, purpose = rules.follow_up_due_on(_closed_on(case_), deadline)
            if rules.follow_up_due(due_on, local_date(visit_at) if visit_at else None, today):
                due.append((due_on, case_.id, case_, purpose, deadline, visit_at))
                total += 1
        due.sort(key=lambda row: (row[0], row[1]))
        shown = due[:FOLLOW_UPS_LISTED]
        names = load_names(s, [row[2] for row in shown], db)
        items = []
        for due_on, _, c, purpose, deadline, visited in shown:
            item = case_summary(
                c,
                names,
                now,
                FollowUpDue,
                due_on=due_on,
                purpose=purpose,
                performance_deadline=deadline,
                last_visit_at=visited,
            )
            assert isinstance(item, FollowUpDue)
            items.append(item)
        return FollowUpsDue(items=items, total=total)


def _closed_on(case: Case) -> date:
    assert case.closed_at is not None  # the statements' condition
    return local_date(case.closed_at)
