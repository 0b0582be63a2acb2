"""Lists of cases: search inside the caller's area, and the work queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from gridflow.cases.view import case_summary, load_names
from gridflow.categories import store as categories
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import Invalid
from gridflow.models import Case, Division
from gridflow.models.cases import ACTIVE_SQL, AWAITING_GRID_WORKER_SQL, queue_predicate
from gridflow.people.access import visible_conditions
from gridflow.schemas.cases import CasePage, CaseSearch, Paging
from gridflow.workflow.rules import ADMIN, GRID_WORKER, Actor


def _paginate(s: Session, db: Database, stmt: Select, paging: Paging, now: datetime) -> CasePage:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    cases = list(s.scalars(stmt.limit(paging.per_page).offset((paging.page - 1) * paging.per_page)))
    names = load_names(s, cases, db)
    return CasePage(
        items=[case_summary(c, names, now) for c in cases], page=paging.page, per_page=paging.per_page, total=total
    )


def search(db: Database, actor: Actor, q: CaseSearch) -> CasePage:
    """Cases inside the caller's area matching every filter given, newest first."""
    now = utcnow()
    with db.session() as s:
        stmt = select(Case).where(*visible_conditions(actor))
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
        if q.overdue is not None:
            overdue = and_(ACTIVE_SQL, Case.deadline < now)
            stmt = stmt.where(overdue if q.overdue else ~overdue)
        return _paginate(s, db, stmt.order_by(Case.id.desc()), q, now)


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


def queue(db: Database, actor: Actor, paging: Paging) -> CasePage:
    """What the caller can act on now, at his level and in his area, soonest deadline first."""
    now = utcnow()
    with db.session() as s:
        return _paginate(s, db, queue_statement(actor), paging, now)
