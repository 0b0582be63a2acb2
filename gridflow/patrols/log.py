"""A worker's patrols as read models, and his day: distance, duration, grids covered, cases reported."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from shapely.geometry import LineString
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.crs import length_m
from gridflow.clock import CST, local_date, utcnow
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, Division, Entity, Grid, Patrol, PatrolPoint, PatrolVisit, User
from gridflow.people.access import sees_worker
from gridflow.schemas.common import Ref, UserRef
from gridflow.schemas.patrols import PatrolDay, PatrolView, VisitView
from gridflow.workflow.rules import Actor

# When does a visit count as made on the spot?  Opening an entity's details, or reporting a case at it,
# is a deliberate act about that one entity, but it can be done from anywhere (the office, the sofa);
# walking within 30 m of it happens to every shop along a street and proves no visit.  A supervisor
# trusts the two together: the visit is the act, and the log says how far the phone stood from the
# entity then, "near" within NEAR_M (a doorstep, a building's width) plus the position's own
# accuracy, of which at most NEAR_SLACK_M is granted (a fix 200 m wide says nothing).
NEAR_M = 30.0
NEAR_SLACK_M = 20.0


def is_near(distance_m: float | None, accuracy_m: float | None) -> bool | None:
    if distance_m is None:
        return None
    return distance_m <= NEAR_M + min(accuracy_m or 0.0, NEAR_SLACK_M)


def _distance_m(points: list[tuple[float, float]]) -> float:
    return round(length_m(LineString(points)), 1) if len(points) > 1 else 0.0


def patrol_views(s: Session, patrols: list[Patrol], now: datetime | None = None) -> list[PatrolView]:
    """Patrols with their distance, duration, grids and visits (a few queries for all)."""
    if not patrols:
        return []
    now = now or utcnow()
    ids = [p.id for p in patrols]
    points: dict[int, list] = {i: [] for i in ids}
    for row in s.execute(
        select(PatrolPoint.patrol_id, PatrolPoint.lon, PatrolPoint.lat, PatrolPoint.at, PatrolPoint.grid_id)
        .where(PatrolPoint.patrol_id.in_(ids))
        .order_by(PatrolPoint.patrol_id, PatrolPoint.at, PatrolPoint.id)
    ):
        points[row.patrol_id].append(row)
    grid_ids = {r.grid_id for rows in points.values() for r in rows if r.grid_id is not None}
    grids = (
        {
            g.id: Ref(code=g.code, name=g.name)
            for g in s.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(grid_ids)))
        }
        if grid_ids
        else {}
    )
    visits: dict[int, list[VisitView]] = {i: [] for i in ids}
    for v, name, kind in s.execute(
        select(PatrolVisit, Entity.name, Entity.kind)
        .outerjoin(Entity, PatrolVisit.entity_id == Entity.id)
        .where(PatrolVisit.patrol_id.in_(ids))
        .order_by(PatrolVisit.at, PatrolVisit.id)
    ):
        visits[v.patrol_id].append(
            VisitView(
                entity=v.entity_ref,
                name=name,
                kind=kind,
                at=v.at,
                note=v.note,
                how=v.how,
                distance_m=v.distance_m,
                near=is_near(v.distance_m, v.accuracy_m),
            )
        )
    users = {
        u.id: UserRef(id=u.id, name=u.display_name)
        for u in s.execute(select(User.id, User.display_name).where(User.id.in_({p.user_id for p in patrols})))
    }
    views = []
    for p in patrols:
        rows = points[p.id]
        until = p.ended_at or max([now, *(r.at for r in rows)])
        seen = sorted({r.grid_id for r in rows if r.grid_id is not None}, key=lambda g: grids[g].code)
        views.append(
            PatrolView(
                id=p.id,
                worker=users[p.user_id],
                started_at=p.started_at,
                ended_at=p.ended_at,
                distance_m=_distance_m([(r.lon, r.lat) for r in rows]),
                duration_s=max(0.0, (until - p.started_at).total_seconds()),
                points=len(rows),
                grids=[grids[g] for g in seen],
                visits=visits[p.id],
            )
        )
    return views


def _worker_area(s: Session, user: User) -> set[int]:
    """Every division above the grids the worker owns (community up to city)."""
    if user.worker_id is None:
        return set()
    found = set(s.scalars(select(Grid.community_id).where(Grid.worker_id == user.worker_id)))
    frontier = set(found)
    while frontier:
        parents = s.scalars(select(Division.parent_id).where(Division.id.in_(frontier)))
        frontier = {p for p in parents if p is not None} - found
        found |= frontier
    return found


def day(db: Database, actor: Actor, worker_id: int | None, on: date | None) -> PatrolDay:
    """A worker's patrols started on a day (China time), with the day's totals and the cases he
    reported that day.  For the worker himself and the mediators and supervisors of his area; for
    anyone else the worker does not exist (404)."""
    now = utcnow()
    on = on or local_date(now)
    with db.session() as s:
        user = s.get(User, worker_id or actor.id)
        if user is None or not sees_worker(actor, user.id, _worker_area(s, user)):
            raise NotFound("no such worker", field="worker")
        start, stop = _bounds(on)
        patrols = list(
            s.scalars(
                select(Patrol)
                .where(Patrol.user_id == user.id, Patrol.started_at >= start, Patrol.started_at < stop)
                .order_by(Patrol.started_at)
            )
        )
        return _day_of(s, user, on, patrols, now)


def area_days(db: Database, actor: Actor, on: date | None) -> tuple[date, list[PatrolDay]]:
    """The day's log of every worker who patrolled on it (China time) and whom `actor` may see (the
    mediators and supervisors of his area, an administrator: all), by name: the desk's patrol page."""
    now = utcnow()
    on = on or local_date(now)
    with db.session() as s:
        start, stop = _bounds(on)
        patrols = list(
            s.scalars(
                select(Patrol)
                .where(Patrol.started_at >= start, Patrol.started_at < stop)
                .order_by(Patrol.user_id, Patrol.started_at)
            )
        )
        by_user: dict[int, list[Patrol]] = {}
        for p in patrols:
            by_user.setdefault(p.user_id, []).append(p)
        days = []
        for user_id, theirs in by_user.items():
            user = s.get(User, user_id)
            if user is not None and sees_worker(actor, user.id, _worker_area(s, user)):
                days.append(_day_of(s, user, on, theirs, now))
        return on, sorted(days, key=lambda d: d.worker.name)


def _bounds(on: date) -> tuple[datetime, datetime]:
    """A China day as stored times (naive UTC)."""
    start = datetime.combine(on, time(), CST).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def _day_of(s: Session, user: User, on: date, patrols: list[Patrol], now: datetime) -> PatrolDay:
    start, stop = _bounds(on)
    views = patrol_views(s, patrols, now)
    reported = s.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.reporter_id == user.id, Case.created_at >= start, Case.created_at < stop)
    )
    grids = {g.code: g for v in views for g in v.grids}
    return PatrolDay(
        worker=UserRef(id=user.id, name=user.display_name),
        date=on,
        patrols=views,
        distance_m=round(sum(v.distance_m for v in views), 1),
        duration_s=sum(v.duration_s for v in views),
        grids=[grids[c] for c in sorted(grids)],
        entities_visited=len({visit.entity for v in views for visit in v.visits}),
        cases_reported=reported or 0,
    )
