"""What an event needs beyond its schema: the inputs its workflow row asks for, and the rules that
depend on the case or the day (the schema in gridflow.schemas.cases checked the shape already)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridflow.cases.view import distance_m
from gridflow.clock import iso_local, local_date
from gridflow.errors import N_, Invalid
from gridflow.models import Attachment, Case
from gridflow.people.access import can_see
from gridflow.schemas.cases import EventInput, SessionInput
from gridflow.workflow import table
from gridflow.workflow.categories import Category
from gridflow.workflow.rules import (
    AFTER_SIGNING,
    WITHIN_TWO_YEARS,
    Actor,
    longest_extension,
    merge_target_problem,
    on_site_proof_required,
    performance_deadline_problem,
)

_SIMPLE = ("reason", "outcome", "session", "visit", "referral", "extend_by", "into", "note", "due")
# The inputs the timeline keeps in an event's data (the reason has a column of its own; `due` is kept
# as China time).
RECORDED = (
    "outcome",
    "agreement",
    "referral",
    "session",
    "visit",
    "extend_by",
    "into",
    "position",
    "distance_m",
    "note",
)
CLOCK_SLACK = timedelta(minutes=5)  # a session typed "now" on a clock a little ahead of the server's
# performance_deadline_problem's answers, as messages (pages translate them)
DEADLINE_PROBLEMS = {
    AFTER_SIGNING: N_("%(field)s must be after the signing day (%(day)s)"),
    WITHIN_TWO_YEARS: N_("%(field)s must be within two years of the signing day (%(day)s)"),
}


def _required(inp: EventInput, name: str, event: str):
    value = getattr(inp, name)
    if value is None:
        raise Invalid(N_("%(field)s is required for %(event)s"), field=name, params={"field": name, "event": event})
    return value


def _session(session: SessionInput, case: Case, now: datetime) -> dict:
    """What the timeline records of a session: its place and time only when given (a session without
    them was held when it was recorded, as sessions recorded before they could be given were)."""
    told = session.model_dump(exclude={"place", "held_at"})
    if session.place is not None:
        told["place"] = session.place
    if session.held_at is not None:
        if session.held_at > now + CLOCK_SLACK:
            field = "session.held_at"
            raise Invalid(N_("%(field)s must not be in the future"), field=field, params={"field": field})
        if session.held_at < case.created_at.replace(second=0, microsecond=0):  # forms give minutes
            raise Invalid(
                N_("%(field)s must not be before the case was reported (%(reported)s)"),
                field="session.held_at",
                params={"field": "session.held_at", "reported": iso_local(case.created_at)},
            )
        told["held_at"] = iso_local(session.held_at)
    return told


def event_inputs(
    s: Session, rw: table.Row, inp: EventInput, case: Case, actor: Actor, now: datetime, category: Category
) -> tuple[dict, dict]:
    """The inputs the row needs, checked against the case (and `category`, the version it was filed
    under), and what of them goes into the timeline."""
    data = {name: _required(inp, name, rw.event) for name in _SIMPLE if name in rw.needs}
    optional = table.optional_inputs(rw)
    data |= {name: getattr(inp, name) for name in _SIMPLE if name in optional and getattr(inp, name) is not None}
    if "due" in data:
        if data["due"] <= now:
            raise Invalid(N_("%(field)s must be in the future"), field="due", params={"field": "due"})
    for name in ("visit", "referral"):
        if name in data:
            data[name] = data[name].model_dump()
    if "session" in data:
        data["session"] = _session(data["session"], case, now)
    if "settlement" in rw.needs:
        if case.kind == "dispute" and inp.agreement is None:
            raise Invalid(
                N_(
                    "a dispute is resolved with an agreement {terms, performance_deadline} "
                    "or a recorded oral settlement {form: 'oral', terms}"
                ),
                field="agreement",
            )
        if inp.agreement is not None:
            deadline = inp.agreement.performance_deadline
            problem = deadline and performance_deadline_problem(deadline, local_date(now))
            if problem:
                field = "agreement.performance_deadline"
                raise Invalid(
                    DEADLINE_PROBLEMS[problem], field=field, params={"field": field, "day": local_date(now).isoformat()}
                )
            data["agreement"] = inp.agreement.model_dump()
    if "extend_by" in data:
        limit = longest_extension(case, category)
        if data["extend_by"] > limit.amount:
            raise Invalid(
                N_("%(field)s may be at most the level's own limit: %(amount)g %(unit)s"),
                field="extend_by",
                params={"field": "extend_by", "amount": limit.amount, "unit": limit.unit},
            )
    if "into" in data:
        target = s.get(Case, data["into"]) if data["into"] != case.id else None
        visible = target if target is not None and can_see(target, actor) else None
        problem = merge_target_problem(case, visible, table.UNFINISHED)
        if problem:
            raise Invalid(f"into {problem}", field="into")
    _position(inp, rw, case, data)
    if rw.event == "verify" and on_site_proof_required(case, category):
        _on_site_proof(s, case, data)
    record = {k: v for k, v in data.items() if k in RECORDED}
    if "due" in data:
        record["due"] = iso_local(data["due"])
    return data, record


def _position(inp: EventInput, rw: table.Row, case: Case, data: dict) -> None:
    """Where the worker stood (verify, rework, follow_up), and how far that is from the case."""
    if inp.position is None:
        return
    if "position" not in table.optional_inputs(rw):
        raise Invalid(f"position is not taken by {rw.event}", field="position")
    data["position"] = inp.position.model_dump()
    data["distance_m"] = distance_m(case, inp.position.lon, inp.position.lat)


def _on_site_proof(s: Session, case: Case, data: dict) -> None:
    """This category is verified on site: the worker's position, and a photo uploaded for verification
    since the case was resolved."""
    if "position" not in data:
        raise Invalid(
            "this category is verified on site: send position {lon, lat, accuracy_m} with verify", field="position"
        )
    photo = s.scalar(
        select(Attachment.id).where(
            Attachment.case_id == case.id,
            Attachment.stage == "verification",
            Attachment.content_type.startswith("image/"),
            Attachment.created_at >= case.resolved_at,
        )
    )
    if photo is None:
        raise Invalid(
            f"this category is verified on site with a photo: upload one first "
            f"(POST /api/v1/cases/{case.id}/attachments, stage=verification)",
            field="attachments",
        )
