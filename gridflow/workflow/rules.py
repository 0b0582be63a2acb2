"""Guards and effects named in the workflow table.

Guards answer "may this actor do this to this case now?" and read only the case, the actor and the
event's data.  Effects change the case object in memory (level, assignee, deadline, counters); the
service layer persists them in the same transaction as the timeline event.  Nothing here touches the
database or the clock: `now`, the working calendar and the case's category come in the event data.
The category is the version the case was filed under (`case.category_version`), at every level: an
office's later edit never changes the limits of a case already filed, escalations included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeAlias

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.clock import local_date
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import Category, Limit

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
    division_name: str | None = None  # for display only (page headers); no rule reads it
    username: str | None = None  # the login name, as the audit log names the actor; no rule reads it


SYSTEM_ACTOR = Actor(None, "system", SYSTEM)


class CaseLike(Protocol):
    """A case as the workflow sees it: a stored Case, or a new case not yet stored (a namespace).
    The division ids per level (`community_id` …) are read by name (`division_at`)."""

    state: str
    level: str
    category: str
    category_version: int
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
    extensions_left: int
    step_deadline: datetime | None  # reported: the filing limit; resolved: the verification limit
    unchecked: bool
    verification_late_at: datetime | None
    urge_count: int
    urged_at: datetime | None
    supervised_level: str | None
    supervised_by_id: int | None
    supervised_by: str | None
    supervised_note: str | None
    supervised_due: datetime | None
    supervised_at: datetime | None


EventData: TypeAlias = dict[str, Any]  # now, calendar, category, warn_share, extensions_per_level, actor, inputs


def division_at(case: CaseLike, level: str) -> int | None:
    division: int | None = getattr(case, f"{level}_id")
    return division


# -- guards: (case, actor) -> bool ----------------------------------------------------------------
def owns_grid(case: CaseLike, actor: Actor) -> bool:
    """A grid worker acts only on cases in his own grids (read at each request: a grid handed to
    another worker changes hands at once).  Filing needs his on-site check even for his own reports
    made elsewhere."""
    return actor.role == ADMIN or (actor.role == GRID_WORKER and case.grid_id in actor.grid_ids)


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


def handler_if_claimed(case: CaseLike, actor: Actor) -> bool:
    """A claimed (`handling`) case is acted on by its handler or a supervisor of that level only,
    whatever the event; an unclaimed (`open`) one by any of the level's staff."""
    return case.state != "handling" or actor.role in (SUPERVISOR, ADMIN, SYSTEM) or case.assignee_id == actor.id


def unclaimed(case: CaseLike, actor: Actor) -> bool:
    """No one handles it (a duplicate is merged only before anyone works on it)."""
    return case.assignee_id is None


def reporter_or_grid_owner(case: CaseLike, actor: Actor) -> bool:
    """The report's own photos: its reporter, or the worker who checks it on site."""
    return (case.reporter_id is not None and case.reporter_id == actor.id) or owns_grid(case, actor)


def extensions_remain(case: CaseLike, actor: Actor) -> bool:
    """A deadline is extended at most a set number of times per level (MAX_EXTENSIONS_PER_LEVEL)."""
    return case.extensions_left > 0


def supervises_from_above(case: CaseLike, actor: Actor) -> bool:
    """Urging, supervising and pulling up: a supervisor of a level above the case's, whose division
    contains it (an admin anywhere).  Same-level staff handle the case; they do not urge it."""
    if actor.role == ADMIN:
        return True
    if actor.role != SUPERVISOR or actor.division_level not in LEVELS_BOTTOM_UP:
        return False
    above = LEVELS_BOTTOM_UP.index(actor.division_level) > LEVELS_BOTTOM_UP.index(case.level)
    return above and division_at(case, actor.division_level) == actor.division_id


def not_supervised_from_higher(case: CaseLike, actor: Actor) -> bool:
    """A case supervised by one level is not taken over by the supervision of a lower one."""
    if case.supervised_level is None or actor.role == ADMIN:
        return True
    return LEVELS_BOTTOM_UP.index(actor.division_level or "") >= LEVELS_BOTTOM_UP.index(case.supervised_level)


def in_area(case: CaseLike, actor: Actor) -> bool:
    """Anywhere in the actor's area (follow-up visits after closing)."""
    if actor.role in (ADMIN, SYSTEM):
        return True
    if actor.role == GRID_WORKER:
        return case.grid_id in actor.grid_ids
    return actor.division_id is not None and actor.division_id in {division_at(case, lvl) for lvl in LEVELS_BOTTOM_UP}


# -- input rules that depend on the case or the day (pure; the service turns a problem into a 422) --
def longest_extension(case: CaseLike, category: Category) -> Limit:
    """One extension may add at most the level's own time limit (in that limit's unit)."""
    return case_category(case, category).limit(case.level)


def case_category(case: CaseLike, category: Category) -> Category:
    """`category` if it is the version the case was filed under (a service handing in another one is
    a bug that would silently change the case's limits)."""
    if (category.code, category.version) != (case.category, case.category_version):
        raise ValueError(
            f"the case is of category {case.category} version {case.category_version}, "
            f"not {category.code} version {category.version}"
        )
    return category


def merge_target_problem(duplicate: Any, target: Any, open_states: tuple[str, ...]) -> str | None:
    """A duplicate is merged into an older case of the same grid that is still open to it; `target`
    None: it does not exist for the actor.  (Read: id, grid_id, state, created_at.)"""
    if target is None or target.id == duplicate.id:
        return "must be another case you can see"
    if target.grid_id != duplicate.grid_id:
        return "must be a case of the same grid"
    if (target.created_at, target.id) >= (duplicate.created_at, duplicate.id):
        return "must be an older case (a duplicate is merged into the case reported first)"
    if target.state not in open_states:
        return f"must be a case still open (it is {target.state})"
    return None


def on_site_proof_required(case: CaseLike, category: Category) -> bool:
    """Whether verifying this case needs a photo taken on site and the worker's position (per
    category version, off by default)."""
    return case_category(case, category).photo_required_on_verification


MAX_PERFORMANCE_DAYS = 2 * 365 + 1  # "within two years" of signing (one leap day)
AFTER_SIGNING, WITHIN_TWO_YEARS = "must be after the signing day", "must be within two years of the signing day"


def performance_deadline_problem(deadline: date, signed_on: date) -> str | None:
    """An agreement is performed after the day it is signed (else AFTER_SIGNING), and within two years
    of it (else WITHIN_TWO_YEARS)."""
    if deadline <= signed_on:
        return AFTER_SIGNING
    if (deadline - signed_on).days > MAX_PERFORMANCE_DAYS:
        return WITHIN_TWO_YEARS
    return None


# -- effects: (case, data) -> None; `data` carries now, calendar, category (the case's version),
# warn_share, extensions_per_level, actor -------------------------------------------------------------
def _enter_level(case: CaseLike, level: str, data: EventData) -> None:
    calendar, now = data["calendar"], data["now"]
    limit = case_category(case, data["category"]).limit(level)
    case.level = level
    case.assignee_id = None
    case.level_entered_at = now
    case.deadline = calendar.deadline(now, limit)
    case.warn_at = calendar.warn_at(now, case.deadline, limit.unit, data["warn_share"])
    case.overdue_flagged_at = None
    case.extensions_left = data["extensions_per_level"]


def level_up(case: CaseLike, data: EventData) -> None:
    _enter_level(case, LEVELS_BOTTOM_UP[LEVELS_BOTTOM_UP.index(case.level) + 1], data)
    case.escalations += 1


def level_down(case: CaseLike, data: EventData) -> None:
    _enter_level(case, LEVELS_BOTTOM_UP[LEVELS_BOTTOM_UP.index(case.level) - 1], data)
    case.returns += 1


def start_clock(case: CaseLike, data: EventData) -> None:
    _enter_level(case, case.level, data)
    case.step_deadline = None


def file_unchecked(case: CaseLike, data: EventData) -> None:
    """Filed by the system when the grid worker's filing limit passed: at community level, its clock
    started, and marked as never checked on site."""
    case.level = LEVELS_BOTTOM_UP[0]
    start_clock(case, data)
    case.unchecked = True


def filing_deadline(calendar: WorkCalendar, category: Category, reported_at: datetime) -> datetime:
    """When a `reported` case must have been filed or rejected by its grid worker."""
    return calendar.deadline(reported_at, category.filing_limit)


def verification_deadline(calendar: WorkCalendar, category: Category, resolved_at: datetime) -> datetime:
    """When a `resolved` case must have been verified (or sent back) by its grid worker."""
    return calendar.deadline(resolved_at, category.verification_limit)


def mark_verification_late(case: CaseLike, data: EventData) -> None:
    case.verification_late_at = data["now"]


def count_urge(case: CaseLike, data: EventData) -> None:
    case.urge_count += 1
    case.urged_at = data["now"]


def mark_supervised(case: CaseLike, data: EventData) -> None:
    """Supervised by the actor's level until the case ends (a later supervision replaces it)."""
    actor = data["actor"]
    case.supervised_level = actor.division_level or LEVELS_BOTTOM_UP[-1]  # an admin: as the city
    case.supervised_by_id, case.supervised_by = actor.id, actor.name
    case.supervised_note = data["note"]
    case.supervised_due = data["due"]
    case.supervised_at = data["now"]


def end_supervision(case: CaseLike, data: EventData) -> None:
    case.supervised_level = case.supervised_by_id = case.supervised_by = case.supervised_note = None
    case.supervised_due = case.supervised_at = None


def level_to_actor(case: CaseLike, data: EventData) -> None:
    """Pulled up: the case enters the actor's own level (an admin pulls it up one level), its clock
    started there, nobody handling it yet."""
    actor = data["actor"]
    top = actor.division_level or LEVELS_BOTTOM_UP[LEVELS_BOTTOM_UP.index(case.level) + 1]
    _enter_level(case, top, data)


def assign_to_actor(case: CaseLike, data: EventData) -> None:
    case.assignee_id = data["actor"].id


def unassign(case: CaseLike, data: EventData) -> None:
    case.assignee_id = None


def count_rework(case: CaseLike, data: EventData) -> None:
    case.reworks += 1
    case.step_deadline = None


def extend_deadline(case: CaseLike, data: EventData) -> None:
    limit = case_category(case, data["category"]).limit(case.level)
    calendar = data["calendar"]
    case.deadline = calendar.extend(case.deadline, data["extend_by"], limit.unit)
    case.warn_at = calendar.warn_at(case.level_entered_at, case.deadline, limit.unit, data["warn_share"])
    case.extensions += 1
    case.extensions_left -= 1
    case.overdue_flagged_at = None


def mark_resolved(case: CaseLike, data: EventData) -> None:
    case.resolved_at = data["now"]
    case.outcome = data.get("outcome")
    case.step_deadline = verification_deadline(data["calendar"], case_category(case, data["category"]), data["now"])
    case.verification_late_at = None


def mark_closed(case: CaseLike, data: EventData) -> None:
    case.closed_at = data["now"]
    case.step_deadline = None
    end_supervision(case, data)


def flag_overdue(case: CaseLike, data: EventData) -> None:
    case.overdue_flagged_at = data["now"]


# -- reminders of an agreement's dates (the sweep raises them) -----------------------------------
REMIND_WORKING_DAYS_BEFORE = 3
REMIND_BEFORE, REMIND_ON_THE_DAY = 1, 2  # the reminders given so far: none (0), the early one, the day's


def early_reminder_day(calendar: WorkCalendar, due: date) -> date:
    """The day of the early reminder of a date: the third working day before it."""
    day, found = due, 0
    while found < REMIND_WORKING_DAYS_BEFORE:
        day -= timedelta(days=1)
        found += calendar.is_working_day(day)
    return day


def reminder_due(calendar: WorkCalendar, due: date, today: date, given: int) -> int | None:
    """Which reminder of `due` to give today (REMIND_BEFORE, REMIND_ON_THE_DAY), None: none.  Only the
    latest one that applies (a sweep that did not run for days gives one, not two), and none after
    the day (a reminder of a day gone is no reminder)."""
    if today == due and given < REMIND_ON_THE_DAY:
        return REMIND_ON_THE_DAY
    if early_reminder_day(calendar, due) <= today < due and given < REMIND_BEFORE:
        return REMIND_BEFORE
    return None


# -- the mediation record -------------------------------------------------------------------------
CONFIRMATION_DAYS = 30  # People's Mediation Law §33: joint application for judicial confirmation


def confirmation_deadline(form: str, signed_at: datetime) -> date | None:
    """Parties may jointly apply for judicial confirmation of a written agreement within 30 days of
    the day it took effect (in China: signed at 00:16 on the 28th counts from the 28th, not from the
    27th of the naive UTC time)."""
    return local_date(signed_at) + timedelta(days=CONFIRMATION_DAYS) if form == "written" else None


# -- follow-up visits (回访) -------------------------------------------------------------------------
# A closed case is visited once more (the `follow_up` row: closed cases, in the visitor's area): a
# dispute settled with a performance deadline when that day has come (was the agreement carried out?),
# any other closed case from the day it closed (were the parties, or the reporter, satisfied? the
# satisfaction figure counts these visits).  It stays due until a visit is recorded on or after that day.
FOLLOW_UP_PERFORMANCE, FOLLOW_UP_SATISFACTION = "performance", "satisfaction"


def follow_up_due_on(closed_on: date, performance_deadline: date | None) -> tuple[date, str]:
    """The day a closed case's follow-up visit is due from, and what it is for."""
    if performance_deadline is not None and performance_deadline > closed_on:
        return performance_deadline, FOLLOW_UP_PERFORMANCE
    return closed_on, FOLLOW_UP_SATISFACTION


def follow_up_due(due_on: date, last_visit_on: date | None, today: date) -> bool:
    """Due today: its day has come and no visit has been recorded since."""
    return due_on <= today and (last_visit_on is None or last_visit_on < due_on)
