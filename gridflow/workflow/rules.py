"""Guards and effects named in the workflow table.

Guards answer "may this actor do this to this case now?" and read only the case, the actor and the
event's data.  Effects change the case object in memory (level, assignee, deadline, counters); the
service layer persists them in the same transaction as the timeline event.  Nothing here touches the
database or the clock: `now` and the calendar come in the event data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.workflow.categories import CATEGORIES

GRID_WORKER, MEDIATOR, SUPERVISOR, ADMIN, SYSTEM = "grid_worker", "mediator", "supervisor", "admin", "system"
ROLES = (GRID_WORKER, MEDIATOR, SUPERVISOR, ADMIN)


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str
    division_id: int | None = None  # mediators and supervisors act for this division and below
    division_level: str | None = None
    worker_id: int | None = None  # grid workers: the five-in-one worker owning grids
    grid_ids: frozenset[int] = field(default_factory=frozenset)


SYSTEM_ACTOR = Actor(None, "system", SYSTEM)


class CaseLike(Protocol):
    """A case as the workflow sees it: a stored Case, or a new case not yet stored (a namespace).
    The division ids per level (`community_id` …) are read by name (`division_at`)."""

    state: str
    level: str
    category: str
    grid_id: int
    reporter_id: int | None
    assignee_id: int | None
    level_entered_at: datetime
    deadline: datetime | None
    warn_at: datetime | None
    overdue_flagged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    escalations: int
    returns: int
    reworks: int
    extensions: int


EventData: TypeAlias = dict[str, Any]  # now, calendar, warn_share, actor and the event's inputs


def division_at(case: CaseLike, level: str) -> int | None:
    division: int | None = getattr(case, f"{level}_id")
    return division


# -- guards: (case, actor) -> bool ----------------------------------------------------------------
def owns_grid(case: CaseLike, actor: Actor) -> bool:
    """A grid worker acts only on cases in his own grids."""
    return actor.role == ADMIN or (actor.role == GRID_WORKER and case.grid_id in actor.grid_ids)


def owns_grid_or_reported_it(case: CaseLike, actor: Actor) -> bool:
    """Filing needs an on-site check: the grid's own worker, or the grid worker who reported it
    from the field (he was there)."""
    return owns_grid(case, actor) or (actor.role == GRID_WORKER and case.reporter_id == actor.id)


def acts_at_level(case: CaseLike, actor: Actor) -> bool:
    """A mediator or supervisor acts only on cases at his own level inside his own division."""
    if actor.role in (ADMIN, SYSTEM):
        return True
    return actor.division_level == case.level and division_at(case, case.level) == actor.division_id


def below_city(case: CaseLike, actor: Actor) -> bool:
    return case.level != LEVELS_BOTTOM_UP[-1]


def above_community(case: CaseLike, actor: Actor) -> bool:
    return case.level != LEVELS_BOTTOM_UP[0]


def at_city(case: CaseLike, actor: Actor) -> bool:
    return case.level == LEVELS_BOTTOM_UP[-1]


def assignee_or_supervisor(case: CaseLike, actor: Actor) -> bool:
    """Only the handler who claimed a case (or a supervisor of that level) may finish it."""
    return actor.role in (SUPERVISOR, ADMIN, SYSTEM) or case.assignee_id == actor.id


def in_area(case: CaseLike, actor: Actor) -> bool:
    """Anywhere in the actor's area (follow-up visits after closing)."""
    if actor.role in (ADMIN, SYSTEM):
        return True
    if actor.role == GRID_WORKER:
        return case.grid_id in actor.grid_ids
    return actor.division_id is not None and actor.division_id in {division_at(case, lvl) for lvl in LEVELS_BOTTOM_UP}


def can_see(case: CaseLike, actor: Actor) -> bool:
    """Whether the case exists at all for this actor (else: 404, not 403)."""
    return in_area(case, actor) or (case.reporter_id is not None and case.reporter_id == actor.id)


# -- effects: (case, data) -> None; `data` carries now, calendar, warn_share, actor --------------
def _enter_level(case: CaseLike, level: str, data: EventData) -> None:
    calendar, now = data["calendar"], data["now"]
    limit = CATEGORIES[case.category].limit(level)
    case.level = level
    case.assignee_id = None
    case.level_entered_at = now
    case.deadline = calendar.deadline(now, limit)
    case.warn_at = calendar.warn_at(now, case.deadline, limit.unit, data["warn_share"])
    case.overdue_flagged_at = None


def level_up(case: CaseLike, data: EventData) -> None:
    _enter_level(case, LEVELS_BOTTOM_UP[LEVELS_BOTTOM_UP.index(case.level) + 1], data)
    case.escalations += 1


def level_down(case: CaseLike, data: EventData) -> None:
    _enter_level(case, LEVELS_BOTTOM_UP[LEVELS_BOTTOM_UP.index(case.level) - 1], data)
    case.returns += 1


def start_clock(case: CaseLike, data: EventData) -> None:
    _enter_level(case, case.level, data)


def assign_to_actor(case: CaseLike, data: EventData) -> None:
    case.assignee_id = data["actor"].id


def unassign(case: CaseLike, data: EventData) -> None:
    case.assignee_id = None


def count_rework(case: CaseLike, data: EventData) -> None:
    case.reworks += 1


def extend_deadline(case: CaseLike, data: EventData) -> None:
    limit = CATEGORIES[case.category].limit(case.level)
    calendar = data["calendar"]
    case.deadline = calendar.extend(case.deadline, data["extend_by"], limit.unit)
    case.warn_at = calendar.warn_at(case.level_entered_at, case.deadline, limit.unit, data["warn_share"])
    case.extensions += 1
    case.overdue_flagged_at = None


def mark_resolved(case: CaseLike, data: EventData) -> None:
    case.resolved_at = data["now"]
    case.outcome = data.get("outcome")


def mark_closed(case: CaseLike, data: EventData) -> None:
    case.closed_at = data["now"]


def flag_overdue(case: CaseLike, data: EventData) -> None:
    case.overdue_flagged_at = data["now"]
