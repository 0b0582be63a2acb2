"""What an event needs beyond its schema: the inputs its workflow row asks for, and the rules that
depend on the case or the day (the schema in gridflow.schemas.cases checked the shape already)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridflow.cases.view import distance_m
from gridflow.clock import local_date
from gridflow.errors import Invalid
from gridflow.models import Attachment, Case
from gridflow.people.access import can_see
from gridflow.schemas.cases import EventInput
from gridflow.workflow import table
from gridflow.workflow.categories import Category
from gridflow.workflow.rules import (
    Actor,
    longest_extension,
    merge_target_problem,
    on_site_proof_required,
    performance_deadline_problem,
)

_SIMPLE = ("reason", "outcome", "session", "visit", "referral", "extend_by", "into")


def _required(inp: EventInput, name: str, event: str):
    value = getattr(inp, name)
    if value is None:
        raise Invalid(f"{name} is required for {event}", field=name)
    return value


def event_inputs(
    s: Session, rw: table.Row, inp: EventInput, case: Case, actor: Actor, now: datetime, category: Category
) -> tuple[dict, dict]:
    """The inputs the row needs, checked against the case (and `category`, the version it was filed
    under), and what of them goes into the timeline."""
    data = {name: _required(inp, name, rw.event) for name in _SIMPLE if name in rw.needs}
    for name in ("session", "visit", "referral"):
        if name in data:
            data[name] = data[name].model_dump()
    if "settlement" in rw.needs:
        if case.kind == "dispute" and inp.agreement is None:
            raise Invalid(
                "a dispute is resolved with an agreement {terms, performance_deadline} "
                "or a recorded oral settlement {form: 'oral', terms}",
                field="agreement",
            )
        if inp.agreement is not None:
            deadline = inp.agreement.performance_deadline
            problem = deadline and performance_deadline_problem(deadline, local_date(now))
            if problem:
                raise Invalid(f"agreement.performance_deadline {problem}", field="agreement.performance_deadline")
            data["agreement"] = inp.agreement.model_dump()
    if "extend_by" in data:
        limit = longest_extension(case, category)
        if data["extend_by"] > limit.amount:
            raise Invalid(
                f"extend_by may be at most the level's own limit: {limit.amount:g} {limit.unit}", field="extend_by"
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
    record = {
        k: v
        for k, v in data.items()
        if k in ("outcome", "agreement", "referral", "session", "visit", "extend_by", "into", "position", "distance_m")
    }
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
