"""Cases over HTTP: report, read, search, act, timeline, queue."""

from __future__ import annotations

from flask import current_app, g

from gridflow.api import bp, exports
from gridflow.api.auth import caller, login_required
from gridflow.api.exports import CSV, XLSX
from gridflow.api.spec import api_route
from gridflow.cases import act as cases
from gridflow.cases import chain as casechain
from gridflow.cases import lists as caselists
from gridflow.cases import report as reporting
from gridflow.cases.policy import Policy
from gridflow.cases.reveal import reveal
from gridflow.db import get_db
from gridflow.schemas.cases import (
    CaseDetail,
    CaseExport,
    CasePage,
    CaseSearch,
    DuplicateList,
    DuplicateQuery,
    EventInput,
    FollowUpsDue,
    Paging,
    ReportedCase,
    ReportInput,
    Timeline,
)
from gridflow.schemas.personal import RevealedParties, RevealInput
from gridflow.schemas.queue import QueuePage

CASE_ID = "<int(max=2147483647):case_id>"  # beyond the INTEGER column's range there is no case: 404


def policy() -> Policy:
    return Policy.from_config(current_app.config)


@bp.post("/cases")
@login_required
@api_route(201, ReportedCase, body=ReportInput, also={200: ReportedCase}, tags=("cases",))
def report_case(body: ReportInput):
    """Report a case at a point or an entity; it is routed to the grid and divisions there.  The same
    `client_id` again (from the same user): 200 with the case made the first time."""
    case, created = reporting.report_once(get_db(), g.actor, body, policy())
    return case, 201 if created else 200


@bp.get("/cases/duplicates")
@login_required
@api_route(200, DuplicateList, query=DuplicateQuery, tags=("cases",))
def case_duplicates(query: DuplicateQuery):
    """The possible duplicates a report of this category at this point would have (same category within
    DUPLICATE_RADIUS_M and DUPLICATE_WINDOW_HOURS, only cases the caller may see), before it is sent."""
    found = reporting.possible_duplicates(get_db(), g.actor, query.category, query.lon, query.lat, policy())
    return DuplicateList(items=found)


@bp.get("/cases")
@login_required
@api_route(200, CasePage, query=CaseSearch, tags=("cases",))
def list_cases(query: CaseSearch):
    """Search cases inside the caller's area."""
    return caselists.search(get_db(), g.actor, query)


@bp.get("/cases/by-number/<string(maxlength=32):number>")
@login_required
@api_route(200, CaseDetail, errors=(404,), tags=("cases",))
def get_case_by_number(number: str):
    """The case with this number (a resident calling about his case), as `GET /cases/{id}` answers it;
    404 outside the caller's area."""
    return caselists.by_number(get_db(), g.actor, number)


@bp.get("/cases.xlsx")
@login_required
@api_route(200, None, query=CaseExport, tags=("cases",), binary=("export_cases_xlsx", (XLSX,)))
def export_cases_xlsx(query: CaseExport):
    """Every case the search finds (same filters as `GET /cases`, no pages) as an Excel workbook: one
    header row (Chinese; English with `lang=en`), one row per case."""
    return exports.xlsx_response(g.actor, query)


@bp.get("/cases.csv")
@login_required
@api_route(200, None, query=CaseExport, tags=("cases",), binary=("export_cases_csv", (CSV,)))
def export_cases_csv(query: CaseExport):
    """The same as cases.xlsx, as CSV (UTF-8 with a byte-order mark), streamed as it is read."""
    return exports.csv_response(g.actor, query)


@bp.get(f"/cases/{CASE_ID}")
@login_required
@api_route(200, CaseDetail, errors=(404,), tags=("cases",))
def get_case(case_id: int):
    """One case with what the caller may do now and its mediation record."""
    return cases.get_case(get_db(), g.actor, case_id)


@bp.post(f"/cases/{CASE_ID}/events")
@login_required
@api_route(200, CaseDetail, body=EventInput, errors=(403, 404, 409), tags=("cases",))
def case_event(case_id: int, body: EventInput):
    """Apply an event (see the workflow table); answers with the case as it is now."""
    return cases.act(get_db(), g.actor, case_id, body, policy())


@bp.get(f"/cases/{CASE_ID}/timeline")
@login_required
@api_route(200, Timeline, errors=(404,), tags=("cases",))
def case_timeline(case_id: int):
    """The case's hash-chained events and the time spent per level and state."""
    return casechain.timeline(get_db(), g.actor, case_id, policy())


@bp.post(f"/cases/{CASE_ID}/reveal")
@login_required
@api_route(200, RevealedParties, body=RevealInput, errors=(404,), tags=("cases",))
def reveal_parties(case_id: int, body: RevealInput):
    """The parties' personal data unmasked, for whoever may see the case but is not handling it (an
    administrator, a supervisor): the reason is kept in the audit log with who asked, and when."""
    return reveal(get_db(), caller(), case_id, body.reason)


@bp.get("/queue")
@login_required
@api_route(200, QueuePage, query=Paging, tags=("cases",))
def queue(query: Paging):
    """What the caller can act on now, soonest deadline first."""
    return caselists.queue(get_db(), g.actor, query)


@bp.get("/follow-ups")
@login_required
@api_route(200, FollowUpsDue, tags=("cases",))
def follow_ups():
    """The closed cases of the caller's area whose follow-up visit is due: a settled dispute from its
    performance deadline, any other from the day it closed, until a visit is recorded (`follow_up`)."""
    return caselists.follow_ups_due(get_db(), g.actor)
