"""Checking what callers send for a case: a report, or the inputs an event needs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridflow.cases import validate as v
from gridflow.cases.policy import Policy
from gridflow.errors import Invalid
from gridflow.models import Case
from gridflow.workflow import table
from gridflow.workflow.categories import CATEGORIES, KINDS
from gridflow.workflow.rules import Actor, can_see

RISKS = ("red", "orange", "yellow")
PARTY_ROLES = ("applicant", "respondent", "third_party")
REFERRAL_TARGETS = ("arbitration", "court", "administrative", "petition", "other")
MAX_PARTIES = 50


def parse_report(payload: dict, policy: Policy) -> dict:
    v.obj(payload, "body")
    kind = v.choice(payload, "kind", KINDS)
    code = v.text(payload, "category", max_len=8)
    category = CATEGORIES.get(code)
    if category is None:
        raise Invalid(f"unknown category {code!r} (see /api/v1/categories)", field="category")
    if category.kind != kind:
        raise Invalid(f"category {code} is for {category.kind} cases, not {kind}", field="category")
    out = {
        "kind": kind,
        "category": code,
        "description": v.text(payload, "description", max_len=policy.max_text),
        "risk": v.choice(payload, "risk", RISKS, required=False),
    }
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
        out["parties"].append(
            {
                "name": v.text(p, "name", max_len=100, prefix=prefix),
                "phone": v.phone(p, "phone", prefix=prefix),
                "id_number": v.id_number(p, "id_number", prefix=prefix),
                "role": v.choice(p, "role", PARTY_ROLES, required=False, prefix=prefix) or "applicant",
            }
        )
    return out


def event_inputs(
    s: Session, rw: table.Row, payload: dict, case: Case, actor: Actor, policy: Policy
) -> tuple[dict, dict]:
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
            raise Invalid(
                "a dispute is resolved with an agreement {terms, performance_deadline} "
                "or a recorded oral settlement {form: 'oral', terms}",
                field="agreement",
            )
        if agreement is not None:
            v.obj(agreement, "agreement")
            form = v.choice(agreement, "form", ("written", "oral"), required=False, prefix="agreement.") or "written"
            data["agreement"] = record["agreement"] = {
                "form": form,
                "terms": v.text(agreement, "terms", max_len=max_text, prefix="agreement."),
                "performance_deadline": v.day(
                    agreement, "performance_deadline", required=form == "written", prefix="agreement."
                ),
            }
    if "referral" in rw.needs:
        referral = v.obj(payload.get("referral"), "referral")
        data["referral"] = record["referral"] = {
            "to": v.choice(referral, "to", REFERRAL_TARGETS, prefix="referral."),
            "body": v.text(referral, "body", required=False, max_len=200, prefix="referral."),
            "routes": v.text(referral, "routes", max_len=max_text, prefix="referral."),
        }
    if "into" in rw.needs:
        into = v.integer(payload, "into")
        target = s.get(Case, into) if into != case.id else None
        if target is None or not can_see(target, actor) or target.state in table.TERMINAL:
            raise Invalid("into must be another open case you can see", field="into")
        data["into"] = record["into"] = target.id
    if "session" in rw.needs:
        session = v.obj(payload.get("session"), "session")
        data["session"] = record["session"] = {
            "summary": v.text(session, "summary", max_len=max_text, prefix="session."),
            "participants": v.text(session, "participants", required=False, max_len=500, prefix="session."),
        }
    if "visit" in rw.needs:
        visit = v.obj(payload.get("visit"), "visit")
        performed = visit.get("performed")
        if performed is not None and not isinstance(performed, bool):
            raise Invalid("visit.performed must be true or false", field="visit.performed")
        data["visit"] = record["visit"] = {
            "notes": v.text(visit, "notes", max_len=max_text, prefix="visit."),
            "performed": performed,
        }
    if "extend_by" in rw.needs:
        data["extend_by"] = record["extend_by"] = v.number(payload, "extend_by", minimum=0.01, maximum=365)
    return data, record
