"""Reading cases: who may see which, and a case as JSON (names looked up in bulk for a page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.clock import iso_local
from gridflow.errors import NotFound
from gridflow.models import Case, Division, Grid
from gridflow.models.people import User
from gridflow.workflow import table
from gridflow.workflow.categories import CATEGORIES
from gridflow.workflow.rules import ADMIN, GRID_WORKER, Actor, acts_at_level, can_see, owns_grid


def load_names(s: Session, cases: list[Case]) -> dict:
    """{("division"|"grid"|"user", id): {code?, name}} for everything these cases refer to."""
    division_ids = {getattr(c, f"{lvl}_id") for c in cases for lvl in LEVELS_BOTTOM_UP}
    grid_ids = {c.grid_id for c in cases}
    user_ids = {c.assignee_id for c in cases if c.assignee_id}
    names: dict = {}
    if division_ids:
        for d in s.execute(select(Division.id, Division.code, Division.name).where(Division.id.in_(division_ids))):
            names[("division", d.id)] = {"code": d.code, "name": d.name}
    if grid_ids:
        for g in s.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(grid_ids))):
            names[("grid", g.id)] = {"code": g.code, "name": g.name}
    if user_ids:
        for u in s.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))):
            names[("user", u.id)] = {"id": u.id, "name": u.display_name}
    return names


def may_see_personal(case: Case, actor: Actor) -> bool:
    """Parties' phone and ID numbers: only for whoever is responsible for the case now."""
    return (
        actor.role == ADMIN
        or case.assignee_id == actor.id
        or case.reporter_id == actor.id
        or owns_grid(case, actor)
        or (actor.division_id is not None and acts_at_level(case, actor))
    )


def _mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if not value or len(value) <= keep_start + keep_end:
        return value and "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def case_dict(case: Case, names: dict, actor: Actor, now: datetime, full: bool = False) -> dict:
    category = CATEGORIES[case.category]
    active = case.state in table.ACTIVE
    out = {
        "id": case.id,
        "number": case.number,
        "kind": case.kind,
        "category": case.category,
        "category_name": category.name,
        "duty": category.duty,
        "state": case.state,
        "level": case.level,
        "risk": case.risk,
        "grid": names.get(("grid", case.grid_id)),
        **{lvl: names.get(("division", getattr(case, f"{lvl}_id"))) for lvl in LEVELS_BOTTOM_UP},
        "location": {"lon": case.lon, "lat": case.lat},
        "assignee": names.get(("user", case.assignee_id)) if case.assignee_id else None,
        "deadline": iso_local(case.deadline) if active else None,
        "warn_at": iso_local(case.warn_at) if active else None,
        "overdue": bool(active and case.deadline and now > case.deadline),
        "overdue_flagged_at": iso_local(case.overdue_flagged_at),  # overdue at city level: for city supervisors
        "warning": bool(active and case.warn_at and now >= case.warn_at),
        "escalations": case.escalations,
        "reworks": case.reworks,
        "extensions": case.extensions,
        "created_at": iso_local(case.created_at),
        "updated_at": iso_local(case.updated_at),
        "version": case.version,
    }
    if full:
        personal = may_see_personal(case, actor)
        out["description"] = case.description
        out["reporter"] = case.reporter_name
        out["outcome"] = case.outcome
        out["merged_into"] = case.merged_into_id
        out["resolved_at"] = iso_local(case.resolved_at)
        out["closed_at"] = iso_local(case.closed_at)
        out["parties"] = [
            {
                "name": p.name,
                "role": p.role,
                "phone": p.phone if personal else _mask(p.phone, 3, 2),
                "id_number": p.id_number if personal else _mask(p.id_number, 6, 2),
            }
            for p in case.parties
        ]
    return out


def visible_conditions(actor: Actor) -> list:
    """SQL conditions equivalent to rules.can_see, for lists."""
    if actor.role == ADMIN:
        return []
    if actor.role == GRID_WORKER:
        return [or_(Case.grid_id.in_(actor.grid_ids or [-1]), Case.reporter_id == actor.id)]
    if actor.division_level is None:
        return [Case.reporter_id == actor.id]
    return [or_(getattr(Case, f"{actor.division_level}_id") == actor.division_id, Case.reporter_id == actor.id)]


def load_visible(session: Session, actor: Actor, case_id, lock: bool = False) -> Case:
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise NotFound("no such case", field="id")
    stmt = select(Case).where(Case.id == case_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # concurrent events on one case wait here, then see the new version
    case = session.scalars(stmt).first()
    if case is None or not can_see(case, actor):
        raise NotFound("no such case", field="id")  # outside the caller's area: do not tell it exists
    return case
