"""Lists of cases: search inside the caller's area, and the work queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases import validate as v
from gridflow.cases.view import case_dict, load_names, visible_conditions
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import Invalid
from gridflow.models import Case, Division
from gridflow.models.cases import ACTIVE_SQL, AWAITING_GRID_WORKER_SQL, queue_predicate
from gridflow.workflow import table
from gridflow.workflow.categories import CATEGORIES, KINDS
from gridflow.workflow.rules import ADMIN, GRID_WORKER, Actor

PER_PAGE = 20


# -- lists -----------------------------------------------------------------------------------------
def _page(payload: dict) -> tuple[int, int]:
    def positive(key, default, maximum):
        raw = payload.get(key)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise Invalid(f"{key} must be a whole number", field=key) from None
        if not 1 <= value <= maximum:
            raise Invalid(f"{key} must be between 1 and {maximum}", field=key)
        return value

    return positive("page", 1, 10**6), positive("per_page", PER_PAGE, 100)


def _paginate(s: Session, stmt: Select, actor: Actor, args: dict, now: datetime) -> dict:
    page, per_page = _page(args)
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    cases = list(s.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    names = load_names(s, cases)
    return {
        "items": [case_dict(c, names, actor, now) for c in cases],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def search(db: Database, actor: Actor, args: dict) -> dict:
    now = utcnow()
    with db.session() as s:
        stmt = select(Case).where(*visible_conditions(actor))
        if args.get("state"):
            states = args["state"].split(",")
            if set(states) - set(table.STATES):
                raise Invalid(f"state must be among {', '.join(table.STATES)}", field="state")
            stmt = stmt.where(Case.state.in_(states))
        if args.get("level"):
            if args["level"] not in LEVELS_BOTTOM_UP:
                raise Invalid(f"level must be one of {', '.join(LEVELS_BOTTOM_UP)}", field="level")
            stmt = stmt.where(Case.level == args["level"])
        if args.get("category"):
            if args["category"] not in CATEGORIES:
                raise Invalid(f"unknown category {args['category']!r}", field="category")
            stmt = stmt.where(Case.category == args["category"])
        if args.get("kind"):
            stmt = stmt.where(Case.kind == v.choice(args, "kind", KINDS))
        if args.get("division"):
            division = s.scalars(select(Division).where(Division.code == args["division"])).first()
            if division is None:
                raise Invalid(f"no division with code {args['division']}", field="division")
            stmt = stmt.where(getattr(Case, f"{division.level}_id") == division.id)
        if args.get("overdue") not in (None, ""):
            if args["overdue"] not in ("true", "false"):
                raise Invalid("overdue must be true or false", field="overdue")
            overdue = and_(ACTIVE_SQL, Case.deadline < now)
            stmt = stmt.where(overdue if args["overdue"] == "true" else ~overdue)
        return _paginate(s, stmt.order_by(Case.id.desc()), actor, args, now)


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


def queue(db: Database, actor: Actor, args: dict) -> dict:
    """What the caller can act on now, at his level and in his area, soonest deadline first."""
    now = utcnow()
    with db.session() as s:
        return _paginate(s, queue_statement(actor), actor, args, now)
