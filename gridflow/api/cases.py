"""Cases over HTTP: report, read, search, act, timeline, queue, categories."""

from __future__ import annotations

from flask import current_app, g, request

from gridflow.api import bp
from gridflow.api.auth import json_body, login_required
from gridflow.cases import act as cases
from gridflow.cases import chain as casechain
from gridflow.cases import lists as caselists
from gridflow.cases import report as reporting
from gridflow.cases.policy import Policy
from gridflow.db import get_db
from gridflow.workflow.categories import CATEGORIES


def _policy() -> Policy:
    return Policy.from_config(current_app.config)


@bp.get("/categories")
def categories():
    return {"items": [c.to_dict() for c in CATEGORIES.values()]}


@bp.post("/cases")
@login_required
def report_case():
    return reporting.report(get_db(), g.actor, json_body(), _policy()), 201


@bp.get("/cases")
@login_required
def list_cases():
    return caselists.search(get_db(), g.actor, request.args.to_dict())


@bp.get("/cases/<int:case_id>")
@login_required
def get_case(case_id: int):
    return cases.get_case(get_db(), g.actor, case_id)


@bp.post("/cases/<int:case_id>/events")
@login_required
def case_event(case_id: int):
    return cases.act(get_db(), g.actor, case_id, json_body(), _policy())


@bp.get("/cases/<int:case_id>/timeline")
@login_required
def case_timeline(case_id: int):
    return casechain.timeline(get_db(), g.actor, case_id, _policy().chain)


@bp.get("/queue")
@login_required
def queue():
    return caselists.queue(get_db(), g.actor, request.args.to_dict())
