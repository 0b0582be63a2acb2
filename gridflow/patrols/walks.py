"""Starting and ending a patrol, and its positions and visits in batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.crs import distance_to_m
from gridflow.clock import iso_local, utcnow
from gridflow.db import Database
from gridflow.errors import Conflict, Forbidden, Invalid, NotFound
from gridflow.hotpath import rows_of_each
from gridflow.models import Entity, Patrol, PatrolBatch, PatrolPoint, PatrolVisit
from gridflow.patrols.log import patrol_views
from gridflow.places import lookup as places
from gridflow.schemas.common import DB_INT_MAX
from gridflow.schemas.patrols import BatchReceipt, PatrolEnd, PatrolStart, PatrolView, PositionBatch
from gridflow.spatial import shapes
from gridflow.workflow.rules import GRID_WORKER, Actor

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run this far ahead of the server's
OLDEST = timedelta(days=7)  # a patrol kept offline is sent within a week


def _utc(value: datetime | None, now: datetime) -> datetime:
    return now if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _not_ahead(when: datetime, now: datetime, field: str) -> None:
    if when > now + CLOCK_SKEW:
        raise Invalid(f"{field} lies in the future ({iso_local(when)}): check the phone's clock", field=field)


def _own(s: Session, actor: Actor, patrol_id: int, lock: bool = False) -> Patrol:
    """The caller's own patrol (anyone else's does not exist for him)."""
    if not 1 <= patrol_id <= DB_INT_MAX:
        raise NotFound("no such patrol", field="id")
    stmt = select(Patrol).where(Patrol.id == patrol_id, Patrol.user_id == actor.id)
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # batches of one patrol, and its end, one after another
    patrol = s.scalars(stmt).first()
    if patrol is None:
        raise NotFound("no such patrol", field="id")
    return patrol


def start(db: Database, actor: Actor, inp: PatrolStart) -> tuple[PatrolView, bool]:
    """Start a patrol: (it, True), or (the one started with the same client id, False).  One patrol
    under way per worker: 409 names the open one."""
    if actor.role != GRID_WORKER:
        raise Forbidden("only grid workers patrol", field="body")
    now = utcnow()
    started = _utc(inp.started_at, now)
    _not_ahead(started, now, "started_at")
    if started < now - OLDEST:
        raise Invalid("started_at is more than a week ago", field="started_at")
    try:
        with db.session(write=True) as s:
            earlier = _by_client_id(s, actor, inp.client_id)
            if earlier is not None:
                return patrol_views(s, [earlier])[0], False
            under_way = s.scalar(select(Patrol.id).where(Patrol.user_id == actor.id, Patrol.ended_at.is_(None)))
            if under_way is not None:
                raise Conflict(f"patrol {under_way} is under way: end it first", field="body", patrol_id=under_way)
            patrol = Patrol(user_id=actor.id, started_at=started, client_id=inp.client_id, created_at=now)
            s.add(patrol)
            s.flush()
            return patrol_views(s, [patrol])[0], True
    except IntegrityError:  # the same start sent twice at once, or a second phone: the index decided
        with db.session() as s:
            earlier = _by_client_id(s, actor, inp.client_id)
            if earlier is None:
                raise Conflict("a patrol was started meanwhile: end it first", field="body") from None
            return patrol_views(s, [earlier])[0], False


def _by_client_id(s: Session, actor: Actor, client_id: str | None) -> Patrol | None:
    if client_id is None:
        return None
    return s.scalars(select(Patrol).where(Patrol.user_id == actor.id, Patrol.client_id == client_id)).first()


def end(db: Database, actor: Actor, patrol_id: int, inp: PatrolEnd) -> PatrolView:
    """End a patrol (ending it again answers it as it ended)."""
    now = utcnow()
    with db.session(write=True) as s:
        patrol = _own(s, actor, patrol_id, lock=True)
        if patrol.ended_at is None:
            ended = _utc(inp.ended_at, now)
            _not_ahead(ended, now, "ended_at")
            last = s.scalar(select(func.max(PatrolPoint.at)).where(PatrolPoint.patrol_id == patrol.id))
            first = max(patrol.started_at, last or patrol.started_at)
            if ended < first:
                raise Invalid(
                    f"ended_at must be after {iso_local(first)} (its start and its last position)", field="ended_at"
                )
            patrol.ended_at = ended
            s.flush()
        return patrol_views(s, [patrol])[0]


def record(db: Database, actor: Actor, patrol_id: int, batch: PositionBatch) -> tuple[BatchReceipt, bool]:
    """Take a batch of positions and visits: (receipt, True), or (the receipt of the batch with the
    same client id, False).  Every time must lie between the patrol's start and its end (or now)."""
    now = utcnow()
    try:
        with db.session(write=True) as s:
            patrol = _own(s, actor, patrol_id, lock=True)
            earlier = _batch(s, patrol.id, batch.client_id)
            if earlier is not None:
                return earlier, False
            fixes = [(i, _utc(f.at, now), f) for i, f in enumerate(batch.positions)]
            visits = [(i, _utc(v.at, now), v) for i, v in enumerate(batch.visits)]
            for name, items in (("positions", fixes), ("visits", visits)):
                for i, at, _ in items:
                    _inside(patrol, at, now, f"{name}[{i}].at")
            entities = _entities(s, [v.entity for _, _, v in visits])
            seen = set(s.scalars(select(PatrolVisit.entity_ref).where(PatrolVisit.patrol_id == patrol.id)))
            grids = _grids(s, [(f.lon, f.lat) for _, _, f in fixes])
            s.add_all(
                PatrolPoint(patrol_id=patrol.id, at=at, lon=f.lon, lat=f.lat, accuracy_m=f.accuracy_m, grid_id=grid)
                for (_, at, f), grid in zip(fixes, grids, strict=True)
            )
            kept = 0
            for i, at, v in sorted(visits, key=lambda item: item[1]):
                if v.entity not in entities:
                    raise Invalid(f"no entity with ref {v.entity!r}", field=f"visits[{i}].entity")
                if v.entity in seen:  # an entity opened again on the same walk: one visit, the first
                    continue
                seen.add(v.entity)
                entity_id, geom = entities[v.entity]
                where = v.position
                s.add(
                    PatrolVisit(
                        patrol_id=patrol.id,
                        entity_id=entity_id,
                        entity_ref=v.entity,
                        at=at,
                        note=v.note,
                        how=v.how,
                        distance_m=None if where is None else round(distance_to_m(where.lon, where.lat, geom), 1),
                        accuracy_m=None if where is None else where.accuracy_m,
                    )
                )
                kept += 1
            s.add(
                PatrolBatch(
                    patrol_id=patrol.id,
                    client_id=batch.client_id,
                    received_at=now,
                    points=len(fixes),
                    visits=kept,
                )
            )
            s.flush()
            return BatchReceipt(patrol_id=patrol.id, client_id=batch.client_id, points=len(fixes), visits=kept), True
    except IntegrityError:  # the same batch sent twice at once: the first one counts
        with db.session() as s:
            earlier = _batch(s, patrol_id, batch.client_id)
            if earlier is None:
                raise
            return earlier, False


def _batch(s: Session, patrol_id: int, client_id: str) -> BatchReceipt | None:
    row = s.scalars(
        select(PatrolBatch).where(PatrolBatch.patrol_id == patrol_id, PatrolBatch.client_id == client_id)
    ).first()
    if row is None:
        return None
    return BatchReceipt(patrol_id=patrol_id, client_id=client_id, points=row.points, visits=row.visits)


def _inside(patrol: Patrol, at: datetime, now: datetime, field: str) -> None:
    """Nothing is kept outside a patrol: a time before its start or after its end is refused."""
    end = patrol.ended_at or now + CLOCK_SKEW
    if not patrol.started_at <= at <= end:
        until = iso_local(patrol.ended_at) if patrol.ended_at else "now"
        raise Invalid(
            f"{field} ({iso_local(at)}) lies outside the patrol ({iso_local(patrol.started_at)} to {until})",
            field=field,
        )


def _entities(s: Session, refs: list[str]) -> dict[str, tuple[int, BaseGeometry]]:
    """Each ref's entity: its id and its shape (to measure how far the phone stood from it)."""
    if not refs:
        return {}
    rows = s.execute(select(Entity.id, Entity.ref, Entity.geom).where(Entity.ref.in_(set(refs)))).all()
    return {r.ref: (r.id, g) for r, g in zip(rows, shapes([r.geom for r in rows]), strict=True)}


def _grids(s: Session, points: list[tuple[float, float]]) -> list[int | None]:
    """The grid of each point (the report's own look-up; on PostgreSQL all in one round trip)."""
    if not points:
        return []
    conn = s.connection()
    found = rows_of_each(conn, [places.responsible_query(lon, lat) for lon, lat in points])
    return [rows[0][0] if rows else None for rows in found]
