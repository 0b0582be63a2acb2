"""Case use cases: report, act (the one place a case changes state), read, search, queue, timeline.

Every function owns its transaction (`with db.session(write=True)`): the case change, its records and
its timeline event are committed together or not at all.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geo.crs import metres_per_degree, nearby_m
from gridflow.clock import iso_local, utcnow
from gridflow.db import Database
from gridflow.models import Agreement, Case, CaseCounter, CaseEvent, CaseParty, Division, Entity, FollowUp, Grid, MediationSession
from gridflow.models.cases import ACTIVE_SQL, User
from gridflow.services import places, validate as v
from gridflow.services.caseview import case_dict, load_names
from gridflow.services.errors import Conflict, Forbidden, Invalid, NotFound
from gridflow.services.policy import Policy
from gridflow.spatial import to_shape
from gridflow.workflow import table
from gridflow.workflow.categories import CATEGORIES, KINDS, LEVELS
from gridflow.workflow.rules import ADMIN, GRID_WORKER, Actor, can_see
from gridflow.workflow.timeline import GENESIS, durations, event_hash, verify_chain

RISKS = ("red", "orange", "yellow")
PARTY_ROLES = ("applicant", "respondent", "third_party")
REFERRAL_TARGETS = ("arbitration", "court", "administrative", "petition", "other")
MAX_PARTIES = 50
PER_PAGE = 20


# -- the timeline -----------------------------------------------------------------------------
def _append_event(session: Session, case: Case, actor: Actor, event: str, from_state: str | None,
                  from_level: str | None, reason: str | None, data: dict, now: datetime,
                  to_state: str | None = None, to_level: str | None = None) -> CaseEvent:
    last = case.__dict__.get("_chain_tail")  # (seq, hash) of the last event, if already known
    if last is None:
        last = load_chain_tails(session, [case])[case.id]
    entry = CaseEvent(case_id=case.id, seq=last[0] + 1, at=now, actor_id=actor.id,
                      actor_name=actor.name, event=event, from_state=from_state, to_state=to_state or case.state,
                      from_level=from_level, to_level=to_level or case.level, reason=reason,
                      data=json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))
    entry.prev_hash = last[1]
    entry.hash = event_hash(entry.prev_hash, entry)
    session.add(entry)
    case.__dict__["_chain_tail"] = (entry.seq, entry.hash)
    return entry


def load_chain_tails(session: Session, cases: list[Case]) -> dict[int, tuple[int, str]]:
    """(seq, hash) of the last event of each case, (0, GENESIS) for none: one query for a batch."""
    ids = [c.id for c in cases]
    last = select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq")).where(CaseEvent.case_id.in_(ids)) \
        .group_by(CaseEvent.case_id).subquery()
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).join(
        last, and_(CaseEvent.case_id == last.c.case_id, CaseEvent.seq == last.c.seq))).all()
    tails = {case_id: (0, GENESIS) for case_id in ids} | {r.case_id: (r.seq, r.hash) for r in rows}
    for case in cases:
        case.__dict__["_chain_tail"] = tails[case.id]
    return tails


# -- reading and visibility --------------------------------------------------------------------
def _visible(actor: Actor) -> list:
    """SQL conditions equivalent to rules.can_see, for lists."""
    if actor.role == ADMIN:
        return []
    if actor.role == GRID_WORKER:
        return [or_(Case.grid_id.in_(actor.grid_ids or [-1]), Case.reporter_id == actor.id)]
    if actor.division_level is None:
        return [Case.reporter_id == actor.id]
    return [or_(getattr(Case, f"{actor.division_level}_id") == actor.division_id, Case.reporter_id == actor.id)]


def _load_visible(session: Session, actor: Actor, case_id, lock: bool = False) -> Case:
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise NotFound("no such case", field="id")
    stmt = select(Case).where(Case.id == case_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # concurrent events on one case wait here, then see the new version
    case = session.scalars(stmt).first()
    if case is None or not can_see(case, actor):
        raise NotFound("no such case", field="id")  # outside the caller's area: do not tell it exists
    return case


def get_case(db: Database, actor: Actor, case_id: int, now: datetime | None = None) -> dict:
    with db.session() as s:
        case = _load_visible(s, actor, case_id)
        return _detail(s, case, actor, now or utcnow())


def _detail(s: Session, case: Case, actor: Actor, now: datetime, fresh: bool = False, names: dict | None = None) -> dict:
    """The case with what the caller may do; `fresh`: just reported, so no mediation record yet."""
    names = names if names is not None else load_names(s, [case])
    out = case_dict(case, names, actor, now, full=True)
    out["allowed_events"] = table.allowed_events(case, actor)
    if fresh:
        return out | {"agreement": None, "sessions": [], "follow_ups": []}
    agreement = s.scalars(select(Agreement).where(Agreement.case_id == case.id)).first()
    out["agreement"] = None if agreement is None else {
        "form": agreement.form, "terms": agreement.terms,
        "performance_deadline": agreement.performance_deadline and agreement.performance_deadline.isoformat(),
        "signed_at": agreement.signed_at.isoformat(), "confirmation_deadline": agreement.confirmation_deadline
        and agreement.confirmation_deadline.isoformat()}
    out["sessions"] = [{"held_at": m.held_at.isoformat(), "participants": m.participants, "summary": m.summary}
                       for m in s.scalars(select(MediationSession).where(MediationSession.case_id == case.id)
                                          .order_by(MediationSession.held_at))]
    out["follow_ups"] = [{"visited_at": f.visited_at.isoformat(), "notes": f.notes, "performed": f.performed}
                         for f in s.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.id))]
    return out


# -- report -----------------------------------------------------------------------------------------
def _parse_report(payload: dict, policy: Policy) -> dict:
    v.obj(payload, "body")
    kind = v.choice(payload, "kind", KINDS)
    code = v.text(payload, "category", max_len=8)
    category = CATEGORIES.get(code)
    if category is None:
        raise Invalid(f"unknown category {code!r} (see /api/v1/categories)", field="category")
    if category.kind != kind:
        raise Invalid(f"category {code} is for {category.kind} cases, not {kind}", field="category")
    out = {"kind": kind, "category": code, "description": v.text(payload, "description", max_len=policy.max_text),
           "risk": v.choice(payload, "risk", RISKS, required=False)}
    if out["risk"] and kind != "dispute":
        raise Invalid("risk tiers are for disputes", field="risk")
    location, entity = payload.get("location"), payload.get("entity")
    if location is None and entity is None:
        raise Invalid("give location {lon, lat} or entity (a ref)", field="location")
    if location is not None:
        v.obj(location, "location")
        out["lon"] = v.number(location, "lon", minimum=-180, maximum=180, prefix="location.")
        out["lat"] = v.number(location, "lat", minimum=-90, maximum=90, prefix="location.")
    else:
        out["entity"] = v.text(payload, "entity", max_len=64)
    parties = payload.get("parties") or []
    if not isinstance(parties, list) or len(parties) > MAX_PARTIES:
        raise Invalid(f"parties must be a list of at most {MAX_PARTIES}", field="parties")
    out["parties"] = []
    for i, p in enumerate(parties):
        prefix = f"parties[{i}]."
        v.obj(p, prefix[:-1])
        out["parties"].append({"name": v.text(p, "name", max_len=100, prefix=prefix),
                               "phone": v.phone(p, "phone", prefix=prefix),
                               "id_number": v.id_number(p, "id_number", prefix=prefix),
                               "role": v.choice(p, "role", PARTY_ROLES, required=False, prefix=prefix) or "applicant"})
    return out


@lru_cache(maxsize=4)
def _counter_stmt(dialect: str):
    from sqlalchemy.dialects import postgresql, sqlite

    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (upsert(CaseCounter).values(prefix=bindparam("prefix"), value=1)
            .on_conflict_do_update(index_elements=["prefix"], set_={"value": CaseCounter.value + 1})
            .returning(CaseCounter.value))


def _next_number(session: Session, county_code: str, now: datetime) -> str:
    """County code + local date + serial, e.g. 410902-20261126-00042 (serial per county and day).
    One atomic upsert: concurrent reports never get the same serial."""
    prefix = f"{county_code}-{iso_local(now)[:10].replace('-', '')}-"
    serial = session.scalar(_counter_stmt(session.get_bind().dialect.name), {"prefix": prefix})
    return f"{prefix}{serial:05d}"


def report(db: Database, actor: Actor, payload: dict, policy: Policy, source: str = "field") -> dict:
    data = _parse_report(payload, policy)
    now = utcnow()
    with db.session(write=True) as s:
        if "entity" in data:
            entity = s.scalars(select(Entity).where(Entity.ref == data["entity"])).first()
            if entity is None:
                raise Invalid(f"no entity with ref {data['entity']!r}", field="entity")
            point = to_shape(entity.geom).representative_point()
            data["lon"], data["lat"], data["entity_id"] = point.x, point.y, entity.id
        found = places.responsible_at(s, data["lon"], data["lat"])
        if found is None:
            raise Invalid("the location lies outside every grid: no one is responsible for it there", field="location")
        case = Case(kind=data["kind"], category=data["category"], description=data["description"], source=source,
                    risk=data["risk"], lon=data["lon"], lat=data["lat"], entity_id=data.get("entity_id"),
                    location=f"SRID=4326;POINT({data['lon']!r} {data['lat']!r})", grid_id=found.grid.id,
                    community_id=found.community.id, street_id=found.street.id, county_id=found.county.id,
                    city_id=found.city.id, reporter_id=actor.id, reporter_name=actor.name, state="reported",
                    level=LEVELS[0], level_entered_at=now, created_at=now, updated_at=now,
                    escalations=0, returns=0, reworks=0, extensions=0,
                    number=_next_number(s, found.county.code, now),
                    parties=[CaseParty(**p) for p in data["parties"]])
        events = [("report", None, None, {"source": source, "category": case.category, "grid": found.grid.code})]
        # A field report by the grid's own worker is filed at once (the table's `file` row decides);
        # filed before the first INSERT, so the row is written once.
        if table.row_taken(case, "file", actor) is not None:
            events.append(("file", case.state, case.level, {}))
            if not _transition(s, case, actor, "file", {}, now, policy):
                raise Conflict("file is not allowed now")
        s.add(case)
        s.flush()
        case.__dict__["_chain_tail"] = (0, GENESIS)
        states = [("reported", LEVELS[0]), (case.state, case.level)]
        for (event, from_state, from_level, record), (to_state, to_level) in zip(events, states):
            _append_event(s, case, actor, event, from_state, from_level, None, record, now, to_state, to_level)
        duplicates = _possible_duplicates(s, case, policy, now)
        names = {("division", getattr(found, lvl).id): getattr(found, lvl).to_dict() for lvl in LEVELS}
        names[("grid", found.grid.id)] = found.grid.to_dict()
        out = _detail(s, case, actor, now, fresh=True, names=names)
        out["possible_duplicates"] = duplicates
        return out


_DUPLICATES = (  # built once; runs on every report
    select(Case.id, Case.number, Case.state, Case.lon, Case.lat)
    .where(Case.category == bindparam("category"), Case.lat.between(bindparam("lat0"), bindparam("lat1")),
           Case.lon.between(bindparam("lon0"), bindparam("lon1")), Case.created_at >= bindparam("since"),
           Case.id != bindparam("id"), Case.state.in_(("reported", *table.ACTIVE))))


def _possible_duplicates(s: Session, case: Case, policy: Policy, now: datetime, limit: int = 20) -> list[dict]:
    """Active cases of the same category reported nearby lately (a hint; the grid worker decides)."""
    kx, ky = map(float, metres_per_degree(case.lat))
    dlon, dlat = policy.duplicate_radius_m / kx, policy.duplicate_radius_m / ky
    rows = s.execute(_DUPLICATES, {"category": case.category, "lat0": case.lat - dlat, "lat1": case.lat + dlat,
                                   "lon0": case.lon - dlon, "lon1": case.lon + dlon, "id": case.id,
                                   "since": now - timedelta(hours=policy.duplicate_window_hours)}).all()
    if not rows:
        return []
    distances = nearby_m(case.lon, case.lat, [r.lon for r in rows], [r.lat for r in rows])
    near = sorted(((d, r) for d, r in zip(distances.tolist(), rows) if d <= policy.duplicate_radius_m),
                  key=lambda pair: pair[0])[:limit]
    return [{"id": r.id, "number": r.number, "state": r.state, "distance_m": round(d, 1)} for d, r in near]


# -- events: the one place a case changes state -------------------------------------------------
def _inputs(s: Session, rw: table.Row, payload: dict, case: Case, actor: Actor, policy: Policy) -> tuple[dict, dict]:
    """Validated inputs the row needs, and what of them goes into the timeline event."""
    data, record = {}, {}
    max_text = policy.max_text
    if "reason" in rw.needs:
        data["reason"] = v.text(payload, "reason", max_len=max_text)
    if "outcome" in rw.needs:
        data["outcome"] = record["outcome"] = v.text(payload, "outcome", max_len=max_text)
    if "settlement" in rw.needs:
        agreement = payload.get("agreement")
        if case.kind == "dispute" and agreement is None:
            raise Invalid("a dispute is resolved with an agreement {terms, performance_deadline} "
                          "or a recorded oral settlement {form: 'oral', terms}", field="agreement")
        if agreement is not None:
            v.obj(agreement, "agreement")
            form = v.choice(agreement, "form", ("written", "oral"), required=False, prefix="agreement.") or "written"
            data["agreement"] = record["agreement"] = {
                "form": form, "terms": v.text(agreement, "terms", max_len=max_text, prefix="agreement."),
                "performance_deadline": v.day(agreement, "performance_deadline", required=form == "written", prefix="agreement.")}
    if "referral" in rw.needs:
        referral = v.obj(payload.get("referral"), "referral")
        data["referral"] = record["referral"] = {
            "to": v.choice(referral, "to", REFERRAL_TARGETS, prefix="referral."),
            "body": v.text(referral, "body", required=False, max_len=200, prefix="referral."),
            "routes": v.text(referral, "routes", max_len=max_text, prefix="referral.")}
    if "into" in rw.needs:
        into = v.integer(payload, "into")
        target = s.get(Case, into) if into != case.id else None
        if target is None or not can_see(target, actor) or target.state in table.TERMINAL:
            raise Invalid("into must be another open case you can see", field="into")
        data["into"] = record["into"] = target.id
    if "session" in rw.needs:
        session = v.obj(payload.get("session"), "session")
        data["session"] = {"summary": v.text(session, "summary", max_len=max_text, prefix="session."),
                           "participants": v.text(session, "participants", required=False, max_len=500, prefix="session.")}
    if "visit" in rw.needs:
        visit = v.obj(payload.get("visit"), "visit")
        performed = visit.get("performed")
        if performed is not None and not isinstance(performed, bool):
            raise Invalid("visit.performed must be true or false", field="visit.performed")
        data["visit"] = record["visit"] = {"notes": v.text(visit, "notes", max_len=max_text, prefix="visit."),
                                           "performed": performed}
    if "extend_by" in rw.needs:
        data["extend_by"] = record["extend_by"] = v.number(payload, "extend_by", minimum=0.01, maximum=365)
    return data, record


def _transition(s: Session, case: Case, actor: Actor, event: str, data: dict, now: datetime, policy: Policy) -> bool:
    """The machine moves the case (guards, effects) and the records that go with the event are added."""
    ok = table.fire(case, event, actor=actor, now=now, calendar=policy.calendar, warn_share=policy.warn_share, **data)
    if ok:
        _records(s, case, actor, event, data, now)
        case.updated_at = now
    return ok


def _fire(s: Session, case: Case, actor: Actor, event: str, data: dict, now: datetime, policy: Policy,
          record: dict | None = None) -> None:
    """Apply `event` to a stored case and append it to the timeline."""
    from_state, from_level = case.state, case.level
    if not _transition(s, case, actor, event, data, now, policy):
        raise Conflict(f"{event} is not allowed now", allowed_events=table.allowed_events(case, actor))
    _append_event(s, case, actor, event, from_state, from_level, data.get("reason"), record or {}, now)


def _records(s: Session, case: Case, actor: Actor, event: str, data: dict, now: datetime) -> None:
    """The mediation record that goes with an event (same transaction)."""
    if "agreement" in data:
        a = data["agreement"]
        s.add(Agreement(case_id=case.id, form=a["form"], terms=a["terms"], performance_deadline=a["performance_deadline"],
                        signed_at=now, confirmation_deadline=(now + timedelta(days=30)).date() if a["form"] == "written" else None))
    if "session" in data:
        s.add(MediationSession(case_id=case.id, held_at=now, mediator_id=actor.id, **data["session"]))
    if "visit" in data:
        s.add(FollowUp(case_id=case.id, visited_at=now, visitor_id=actor.id, **data["visit"]))
    if "referral" in data:
        case.referral = json.dumps(data["referral"], ensure_ascii=False)
    if "into" in data:
        case.merged_into_id = data["into"]


def act(db: Database, actor: Actor, case_id: int, payload: dict, policy: Policy) -> dict:
    """Apply one event to a case: 404 outside the caller's area, 403 for a role that may never do it,
    409 for a stale version or an event not allowed now, 422 for missing or bad inputs."""
    v.obj(payload, "body")
    event = v.text(payload, "event", max_len=32)
    version = v.integer(payload, "version")
    now = utcnow()
    with db.session(write=True) as s:
        case = _load_visible(s, actor, case_id, lock=True)
        if event not in table.EVENTS or event in ("flag_overdue",):
            raise Invalid(f"unknown event {event!r}", field="event", allowed_events=table.allowed_events(case, actor))
        if actor.role not in table.roles_for(event):
            raise Forbidden(f"a {actor.role} may never {event} a case", field="event")
        if version != case.version:
            raise Conflict(f"the case changed meanwhile (version {case.version}, you sent {version}): reload it",
                           field="version", current_version=case.version)
        rw = table.row_taken(case, event, actor)
        if rw is None:
            raise Conflict(f"{event} is not allowed now (state {case.state}, level {case.level})", field="event",
                           allowed_events=table.allowed_events(case, actor))
        data, record = _inputs(s, rw, payload, case, actor, policy)
        _fire(s, case, actor, event, data, now, policy, record)
        try:
            s.flush()
        except (StaleDataError, IntegrityError):
            raise Conflict("the case changed meanwhile: reload it", field="version") from None
        return _detail(s, case, actor, now)


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
    return {"items": [case_dict(c, names, actor, now) for c in cases], "page": page, "per_page": per_page, "total": total}


def search(db: Database, actor: Actor, args: dict) -> dict:
    now = utcnow()
    with db.session() as s:
        stmt = select(Case).where(*_visible(actor))
        if args.get("state"):
            states = args["state"].split(",")
            if set(states) - set(table.STATES):
                raise Invalid(f"state must be among {', '.join(table.STATES)}", field="state")
            stmt = stmt.where(Case.state.in_(states))
        if args.get("level"):
            if args["level"] not in LEVELS:
                raise Invalid(f"level must be one of {', '.join(LEVELS)}", field="level")
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
            overdue = and_(Case.state.in_(table.ACTIVE), Case.deadline < now)
            stmt = stmt.where(overdue if args["overdue"] == "true" else ~overdue)
        return _paginate(s, stmt.order_by(Case.id.desc()), actor, args, now)


def queue(db: Database, actor: Actor, args: dict) -> dict:
    """What the caller can act on now, at his level and in his area, soonest deadline first."""
    now = utcnow()
    with db.session() as s:
        if actor.role == GRID_WORKER:
            stmt = select(Case).where(Case.grid_id.in_(actor.grid_ids or [-1]), Case.state.in_(("reported", "resolved")))
            stmt = stmt.order_by(Case.deadline.is_(None), Case.deadline, Case.created_at)
        else:
            stmt = select(Case).where(ACTIVE_SQL)
            if actor.role != ADMIN:
                stmt = stmt.where(Case.level == actor.division_level,
                                  getattr(Case, f"{actor.division_level}_id") == actor.division_id)
            stmt = stmt.order_by(Case.deadline, Case.id)
        return _paginate(s, stmt, actor, args, now)


# -- timeline --------------------------------------------------------------------------------------
def timeline(db: Database, actor: Actor, case_id: int) -> dict:
    now = utcnow()
    with db.session() as s:
        case = _load_visible(s, actor, case_id)
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        check = verify_chain(events)
        from gridflow.clock import iso_local
        return {
            "case": {"id": case.id, "number": case.number, "state": case.state, "level": case.level},
            "events": [{"seq": e.seq, "at": iso_local(e.at), "actor": e.actor_name, "event": e.event,
                        "from_state": e.from_state, "to_state": e.to_state, "from_level": e.from_level,
                        "to_level": e.to_level, "reason": e.reason, "data": json.loads(e.data), "hash": e.hash}
                       for e in events],
            "durations": durations(events, now, table.TERMINAL),
            "chain_valid": check.valid,
            "chain_broken_at": check.broken_at,
        }


def verify(db: Database, case_id: int) -> tuple[bool, int | None, str | None]:
    with db.session() as s:
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        if not events:
            raise NotFound(f"no case {case_id}")
        check = verify_chain(events)
        return check.valid, check.broken_at, check.reason
