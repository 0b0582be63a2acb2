"""Reading cases: a case as its read model (names looked up in bulk for a page), loading one the
caller may see.  Who sees what is decided in `gridflow.people.access`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import nearby_m
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.categories import store as categories
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, Division, Grid
from gridflow.models.people import User
from gridflow.people.access import can_see, parties_as_seen
from gridflow.schemas.cases import CaseDetail, CaseSummary
from gridflow.schemas.common import DB_INT_MAX
from gridflow.workflow import table
from gridflow.workflow.rules import Actor


def load_names(s: Session, cases: list[Case], db: Database) -> dict:
    """{("division"|"grid"|"user", id): {code?, name}} for everything these cases refer to, and
    {("category", code, version): Category} for the versions they were filed under."""
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
    for (code, version), category in categories.versions(
        s, db, {(c.category, c.category_version) for c in cases}
    ).items():
        names[("category", code, version)] = category
    return names


def _summary_fields(case, names: dict, now: datetime) -> dict:
    category = names[("category", case.category, case.category_version)]
    active = case.state in table.ACTIVE
    return {
        "id": case.id,
        "number": case.number,
        "kind": case.kind,
        "category": case.category,
        "category_version": case.category_version,
        "category_name": category.name,
        "duty": category.duty,
        "state": case.state,
        "level": case.level,
        "risk": case.risk,
        "grid": names.get(("grid", case.grid_id)),
        **{lvl: names.get(("division", getattr(case, f"{lvl}_id"))) for lvl in LEVELS_BOTTOM_UP},
        "location": {"lon": case.lon, "lat": case.lat},
        "assignee": names.get(("user", case.assignee_id)) if case.assignee_id else None,
        "deadline": case.deadline if active else None,
        "warn_at": case.warn_at if active else None,
        "overdue": bool(active and case.deadline and now > case.deadline),
        "overdue_flagged_at": case.overdue_flagged_at,
        "warning": bool(active and case.warn_at and now >= case.warn_at),
        "level_entered_at": case.level_entered_at,
        "limit_unit": category.limit(case.level).unit,
        "escalations": case.escalations,
        "reworks": case.reworks,
        "extensions": case.extensions,
        "extensions_left": case.extensions_left,
        "step_deadline": case.step_deadline if case.state in ("reported", "resolved") else None,
        "unchecked": bool(case.unchecked),
        "verification_late_at": case.verification_late_at if case.state == "resolved" else None,
        "supervised": supervision(case),
        "urged": {"count": case.urge_count or 0, "last": case.urged_at},
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "version": case.version,
    }


def supervision(case) -> dict | None:
    """督办 as the case JSON shows it (null: not supervised)."""
    if case.supervised_level is None:
        return None
    by = {"id": case.supervised_by_id, "name": case.supervised_by} if case.supervised_by_id is not None else None
    return {
        "level": case.supervised_level,
        "by": by,
        "note": case.supervised_note,
        "due": case.supervised_due,
        "at": case.supervised_at,
    }


def case_summary(case, names: dict, now: datetime, model: type[CaseSummary] = CaseSummary, **extra) -> CaseSummary:
    """A case as lists show it (no personal data); `model`/`extra`: a richer row (a queue's)."""
    return model(**_summary_fields(case, names, now), **extra)


def case_detail(
    case, names: dict, actor: Actor, now: datetime, record: dict, model: type[CaseDetail] = CaseDetail, **extra
) -> CaseDetail:
    """A case with everything the caller may see of it; `record`: its agreement, sessions and
    follow-ups and the duplicates merged into it (see act.mediation_record); `model`/`extra`: a richer answer (a new report's)."""
    return model(
        **_summary_fields(case, names, now),
        description=case.description,
        address=case.address,
        reporter=case.reporter_name,
        outcome=case.outcome,
        merged_into=case.merged_into_id,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        parties=parties_as_seen(case, actor),
        allowed_events=table.allowed_events(case, actor),
        attach_stages=table.attach_stages(case, actor),
        **record,
        **extra,
    )


def distance_m(case, lon: float, lat: float) -> float:
    """How far (lon, lat) lies from the case's location, in metres (to the decimetre)."""
    return round(float(nearby_m(case.lon, case.lat, [lon], [lat])[0]), 1)


def load_visible(session: Session, actor: Actor, case_id: int, lock: bool = False) -> Case:
    """The case if it exists for the caller (else 404: outside his area it does not exist for him)."""
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id <= DB_INT_MAX:
        raise NotFound("no such case", field="id")
    stmt = select(Case).where(Case.id == case_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # concurrent events on one case wait here, then see the new version
    case = session.scalars(stmt).first()
    if case is None or not can_see(case, actor):
        raise NotFound("no such case", field="id")
    return case
