"""Case use cases: act (the one place a stored case changes state), read one case.  Reporting a new
case is in `reporting`.

Every function owns its transaction (`with db.session(write=True)`): the case change, its records and
its timeline event are committed together or not at all.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gridflow.cases.chain import append_event, event_by_client_id
from gridflow.cases.inputs import event_inputs
from gridflow.cases.merge import carry_over
from gridflow.cases.office import Office
from gridflow.cases.policy import Policy
from gridflow.cases.view import case_detail, load_names, load_visible
from gridflow.clock import parse_iso, utcnow
from gridflow.db import Database
from gridflow.errors import Conflict, Forbidden, Invalid
from gridflow.models import Agreement, Case, FollowUp, MediationSession
from gridflow.notifications.rules import for_events
from gridflow.schemas.cases import AgreementView, CaseDetail, EventInput, SessionView, VisitView
from gridflow.stats import upkeep
from gridflow.workflow import table
from gridflow.workflow.rules import Actor, confirmation_deadline


def get_case(db: Database, actor: Actor, case_id: int, now: datetime | None = None) -> CaseDetail:
    """One case as the caller may see it (404 outside his area)."""
    with db.session() as s:
        case = load_visible(s, actor, case_id)
        return _detail(s, db, case, actor, now or utcnow())


def _detail(s: Session, db: Database, case: Case, actor: Actor, now: datetime) -> CaseDetail:
    return case_detail(case, load_names(s, [case], db), actor, now, mediation_record(s, case))


def mediation_record(s: Session, case: Case) -> dict:
    """The case's agreement, mediation sessions and follow-up visits (read models), and the
    duplicates merged into it."""
    agreement = s.scalars(select(Agreement).where(Agreement.case_id == case.id)).first()
    return {
        "merged_from": list(s.scalars(select(Case.id).where(Case.merged_into_id == case.id).order_by(Case.id))),
        "agreement": None
        if agreement is None
        else AgreementView(
            form=agreement.form,
            terms=agreement.terms,
            performance_deadline=agreement.performance_deadline,
            signed_at=agreement.signed_at,
            confirmation_deadline=agreement.confirmation_deadline,
        ),
        "sessions": [
            SessionView(held_at=m.held_at, place=m.place, participants=m.participants, summary=m.summary)
            for m in s.scalars(
                select(MediationSession).where(MediationSession.case_id == case.id).order_by(MediationSession.held_at)
            )
        ],
        "follow_ups": [
            VisitView(visited_at=f.visited_at, notes=f.notes, performed=f.performed, satisfied=f.satisfied)
            for f in s.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.id))
        ],
    }


# -- events: the one place a case changes state -------------------------------------------------


def _transition(
    s: Session, case: Case, actor: Actor, event: str, data: dict, now: datetime, policy: Policy, office: Office
) -> bool:
    """The machine moves the case (guards, effects) and the records that go with the event are added."""
    effects = policy.effects(office.calendar, office.category_of(case))
    ok = table.fire(case, event, actor=actor, now=now, **effects, **data)
    if ok:
        _records(s, case, actor, event, data, now)
        case.updated_at = now
    return ok


def fire_event(
    s: Session,
    case: Case,
    actor: Actor,
    event: str,
    data: dict,
    now: datetime,
    policy: Policy,
    office: Office,
    record: dict | None = None,
    client_id: str | None = None,
) -> None:
    """Apply `event` to a stored case and append it to the timeline."""
    from_state, from_level = case.state, case.level
    if not _transition(s, case, actor, event, data, now, policy, office):
        raise Conflict(f"{event} is not allowed now", allowed_events=table.allowed_events(case, actor))
    reason = data.get("reason")
    append_event(s, case, actor, event, from_state, from_level, reason, record or {}, now, policy.keys(), client_id)
    # Its notices and webhook deliveries: the outbox, in the same transaction.
    unit = office.category_of(case).limit(case.level).unit
    for_events(s.connection(), case, [(event, case.chain_length)], actor, now, policy.channels, unit, reason)
    upkeep.after_event(s, case, event, now, record or {}, office.category_of(case), office.calendar)


def _records(s: Session, case: Case, actor: Actor, event: str, data: dict, now: datetime) -> None:
    """The mediation record that goes with an event (same transaction)."""
    if "agreement" in data:
        # Resolved again after rework: the new agreement replaces the old (the timeline keeps both).
        a = data["agreement"]
        agreement = s.scalars(select(Agreement).where(Agreement.case_id == case.id)).first()
        if agreement is None:
            agreement = Agreement(case_id=case.id)
            s.add(agreement)
        agreement.form, agreement.terms, agreement.performance_deadline = (
            a["form"],
            a["terms"],
            a["performance_deadline"],
        )
        agreement.signed_at = now
        agreement.performance_reminded = agreement.confirmation_reminded = 0  # its dates are new
        agreement.confirmation_deadline = confirmation_deadline(a["form"], now)
    if "session" in data:
        told = data["session"]
        held_at = parse_iso(told["held_at"]) if told.get("held_at") else now
        s.add(
            MediationSession(
                case_id=case.id,
                held_at=held_at,
                mediator_id=actor.id,
                place=told.get("place"),
                participants=told.get("participants"),
                summary=told["summary"],
            )
        )
    if "visit" in data:
        s.add(FollowUp(case_id=case.id, visited_at=now, visitor_id=actor.id, **data["visit"]))
    if "referral" in data:
        case.referral = json.dumps(data["referral"], ensure_ascii=False)
    if "into" in data:
        case.merged_into_id = data["into"]


def act(db: Database, actor: Actor, case_id: int, inp: EventInput, policy: Policy) -> CaseDetail:
    """Apply one event to a case: 404 outside the caller's area, 403 for a role that may never do it,
    409 for a stale version or an event not allowed now, 422 for missing or bad inputs.  An event sent
    again with the same `client_id` is answered with the case as it is now, not applied twice (the
    case row is locked first, so a repeat racing its original waits for it and finds it)."""
    event = inp.event
    now = utcnow()
    with db.session(write=True) as s:
        case = load_visible(s, actor, case_id, lock=True)
        if actor.role not in table.roles_for(event):
            raise Forbidden(f"a {actor.role} may never {event} a case", field="event")
        if inp.client_id is not None:
            earlier = event_by_client_id(s, actor, inp.client_id)
            if earlier is not None:
                if (earlier.case_id, earlier.event) != (case.id, event):
                    raise Invalid("client_id was used already for another request: make a new one", field="client_id")
                return _detail(s, db, case, actor, now)
        if inp.version != case.version:
            raise Conflict(
                f"the case changed meanwhile (version {case.version}, you sent {inp.version}): reload it",
                field="version",
                current_version=case.version,
            )
        rw = table.row_taken(case, event, actor)
        if rw is None and table.refused_by_authority(case, event, actor):
            raise Forbidden(f"only a supervisor of a level above {case.level}, in whose area it lies, may {event} it")
        if rw is None:
            raise Conflict(
                f"{event} is not allowed now (state {case.state}, level {case.level})",
                field="event",
                allowed_events=table.allowed_events(case, actor),
            )
        office = Office.load(s, db, policy, [case])
        data, record = event_inputs(s, rw, inp, case, actor, now, office.category_of(case))
        if event == "merge":
            record["carried"] = carry_over(s, case, data["into"], actor, now, policy.keys())
        fire_event(s, case, actor, event, data, now, policy, office, record, inp.client_id)
        try:
            s.flush()
        except (StaleDataError, IntegrityError):
            raise Conflict("the case changed meanwhile: reload it", field="version") from None
        return _detail(s, db, case, actor, now)
