"""What an event needs beyond its schema: the inputs its workflow row asks for, and the rules that
depend on the case or the day (the schema in gridflow.schemas.cases checked the shape already)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gridflow.clock import local_date
from gridflow.errors import Invalid
from gridflow.models import Case
from gridflow.people.access import can_see
from gridflow.schemas.cases import EventInput
from gridflow.workflow import table
from gridflow.workflow.categories import Category
from gridflow.workflow.rules import Actor, longest_extension, performance_deadline_problem

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
        if target is None or not can_see(target, actor) or target.state in table.TERMINAL:
            raise Invalid("into must be another open case you can see", field="into")
    record = {
        k: v
        for k, v in data.items()
        if k in ("outcome", "agreement", "referral", "session", "visit", "extend_by", "into")
    }
    return data, record
