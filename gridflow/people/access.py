"""Who sees what: the access rules every list, detail, duplicate hint and export applies.

- A case exists for an actor inside his area (his grids; his division and below), or if he reported
  it; elsewhere it does not exist for him (404, never 403).
- Personal data of the parties (phone, ID number) is shown only to whoever is responsible for the
  case now; everyone else sees it masked (`parties_as_seen`, the one place that decides it).
- Categories and the working calendar are changed by admins only (`require_admin`).
"""

from __future__ import annotations

from sqlalchemy import or_

from gridflow.errors import Forbidden
from gridflow.models import Case
from gridflow.schemas.cases import PartyView
from gridflow.workflow.rules import ADMIN, GRID_WORKER, MEDIATOR, SUPERVISOR, Actor, acts_at_level, in_area, owns_grid


def require_admin(actor: Actor) -> None:
    """What the office keeps for everyone (categories, the working calendar) is changed by admins only."""
    if actor.role != ADMIN:
        raise Forbidden(f"only an admin may change this (you are a {actor.role})")


def can_see(case, actor: Actor) -> bool:
    """Whether the case exists at all for this actor (`case`: anything with the case's area columns)."""
    return in_area(case, actor) or (case.reporter_id is not None and case.reporter_id == actor.id)


def visible_conditions(actor: Actor) -> list:
    """SQL conditions equivalent to `can_see`, for lists."""
    if actor.role == ADMIN:
        return []
    if actor.role == GRID_WORKER:
        return [or_(Case.grid_id.in_(actor.grid_ids or [-1]), Case.reporter_id == actor.id)]
    if actor.division_level is None:
        return [Case.reporter_id == actor.id]
    return [or_(getattr(Case, f"{actor.division_level}_id") == actor.division_id, Case.reporter_id == actor.id)]


def sees_worker(actor: Actor, worker_user_id: int, worker_area: set[int]) -> bool:
    """A worker's patrols (where he walked, when): for himself, an admin, and the mediators and
    supervisors of a division above his grids (`worker_area`: those divisions' ids)."""
    if actor.role == ADMIN or actor.id == worker_user_id:
        return True
    return actor.role in (MEDIATOR, SUPERVISOR) and actor.division_id in worker_area


def may_see_personal(case, actor: Actor) -> bool:
    """Parties' personal data: only for whoever is responsible for the case now."""
    return (
        actor.role == ADMIN
        or case.assignee_id == actor.id
        or case.reporter_id == actor.id
        or owns_grid(case, actor)
        or (actor.division_id is not None and acts_at_level(case, actor))
    )


def mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if not value or len(value) <= keep_start + keep_end:
        return value and "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def parties_as_seen(case, actor: Actor) -> list[PartyView]:
    """The parties of a case as this actor may see them."""
    personal = may_see_personal(case, actor)
    return [
        PartyView(
            name=p.name,
            role=p.role,
            phone=p.phone if personal else mask(p.phone, 3, 2),
            id_number=p.id_number if personal else mask(p.id_number, 6, 2),
        )
        for p in case.parties
    ]
