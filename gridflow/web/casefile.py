"""The case file (/cases/<id>) and the actions on it.

What a user may do comes from the case's `allowed_events` (the workflow table); an action that asks
for something (the row's `needs`) gets a form page of its own, /cases/<id>/act/<event>, whose
fields carry the API's names (`reason`, `session.summary`, `agreement.performance_deadline` …) and
are checked by the same schema and service as the API.  Bad input comes back next to its field with
nothing typed lost; a case changed by someone else meanwhile (409) comes back as it is now, with a
notice.  Claim and release from the queue post here too and get their row back (htmx).
"""

from __future__ import annotations

from datetime import UTC

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from gridflow.cases import act as cases
from gridflow.cases.policy import Policy
from gridflow.categories.store import category_of
from gridflow.clock import CST, local_date, utcnow
from gridflow.db import get_db
from gridflow.errors import N_, Conflict, Invalid
from gridflow.schemas.cases import CaseDetail, EventInput
from gridflow.schemas.parse import parse_data
from gridflow.web import bp
from gridflow.web.auth import logged_in_actor, login_required
from gridflow.web.forms import Form, translated
from gridflow.web.labels import label
from gridflow.workflow import table

CASE_ID = "<int(max=2147483647):case_id>"
# The order actions are offered in: the usual next step first.
EVENT_ORDER = (
    "file",
    "claim",
    "record",
    "resolve",
    "verify",
    "escalate",
    "return",
    "refer",
    "extend",
    "release",
    "rework",
    "follow_up",
    "reject",
    "merge",
)
# Inputs given as a group of fields named `<group>.<field>` (the API's JSON path).
GROUPS = {
    "session": ("held_at", "place", "participants", "summary"),
    "agreement": ("form", "terms", "performance_deadline"),
    "referral": ("to", "body", "routes"),
    "visit": ("notes", "performed"),
}
INPUT_LABELS = {
    "reason": _l("Reason"),
    "outcome": _l("Outcome"),
    "session": _l("Mediation session"),
    "session.held_at": _l("When the session was held"),
    "session.place": _l("Where it was held"),
    "session.participants": _l("Who took part"),
    "session.summary": _l("What was said and agreed"),
    "agreement": _l("Settlement"),
    "agreement.form": _l("Form of the settlement"),
    "agreement.terms": _l("Terms agreed"),
    "agreement.performance_deadline": _l("Performance deadline"),
    "referral": _l("Referral"),
    "referral.to": _l("Referred to"),
    "referral.body": _l("Name of the body"),
    "referral.routes": _l("Routes told to the parties"),
    "visit": _l("Follow-up visit"),
    "visit.notes": _l("Notes of the visit"),
    "visit.performed": _l("Is the agreement being performed?"),
    "extend_by": _l("Extend by"),
    "into": _l("Number of the case it duplicates"),
    "version": _l("Version"),
    "event": _l("Action"),
}


def _policy() -> Policy:
    return Policy.from_config(current_app.config)


# Optional inputs only a phone on site can give (the field app sends them); a desk form leaves them out.
PHONE_ONLY = frozenset({"position"})


def desk_needs(event: str) -> tuple[str, ...]:
    """The inputs a desk form of `event` asks for: the table's, less the optional ones of the phone
    (so verifying, which may carry the worker's position, is one click at a desk)."""
    return tuple(n for n in table.needs(event) if not (n.endswith("?") and n[:-1] in PHONE_ONLY))


def offered(case: CaseDetail) -> list[tuple[str, bool]]:
    """The actions allowed now, in a sensible order (events the table gains later come last), each
    with whether it asks for input."""
    order = [e for e in EVENT_ORDER if e in case.allowed_events]
    order += [e for e in case.allowed_events if e not in EVENT_ORDER]
    return [(e, bool(desk_needs(e))) for e in order]


def event_body(data: MultiDict, event: str) -> dict:
    """The API's event body from a submitted form: the inputs the event needs, blank fields left out
    (the schema then names what is missing)."""
    body: dict = {"event": event, "version": data.get("version", "")}
    for need in desk_needs(event):
        if need == "settlement":
            if any(k.startswith("agreement.") for k in data):  # disputes; incidents need none
                body["agreement"] = _group(data, "agreement")
        elif need in GROUPS:
            body[need] = _group(data, need)
        elif data.get(need, "").strip():
            body[need] = data[need]
    return {k: v for k, v in body.items() if v != ""}


def _group(data: MultiDict, group: str) -> dict:
    return {f: data[f"{group}.{f}"] for f in GROUPS[group] if data.get(f"{group}.{f}", "").strip()}


def _now_local_minute() -> str:
    """Now in China, as a `datetime-local` field shows it."""
    return utcnow().replace(tzinfo=UTC).astimezone(CST).strftime("%Y-%m-%dT%H:%M")


def _form_page(case: CaseDetail, event: str, form: Form, notice: str | None = None):
    category = category_of(get_db(), case.category, case.category_version)
    return render_template(
        "cases/act.html",
        case=case,
        event=event,
        needs=desk_needs(event),
        allowed=event in case.allowed_events,
        form=form,
        notice=notice,
        limit=category.limit(case.level),
        now_local=_now_local_minute(),
        today=local_date(utcnow()),
    )


def _case_page(case: CaseDetail, notice: str | None = None, form: Form | None = None):
    today = local_date(utcnow())
    return render_template(
        "cases/show.html",
        case=case,
        actions=offered(case),
        notice=notice,
        form=form,
        today=today,
        masked=any("*" in f"{p.phone or ''}{p.id_number or ''}" for p in case.parties),
        confirmation_days_left=(case.agreement.confirmation_deadline - today).days
        if case.agreement and case.agreement.confirmation_deadline
        else None,
    )


@bp.get(f"/cases/{CASE_ID}")
@login_required
def case_file(case_id: int):
    return _case_page(cases.get_case(get_db(), logged_in_actor(), case_id))


@bp.get(f"/cases/{CASE_ID}/act/<event>")
@login_required
def act_form(case_id: int, event: str):
    if event not in table.EVENTS or not desk_needs(event):
        abort(404)
    case = cases.get_case(get_db(), logged_in_actor(), case_id)
    if event not in case.allowed_events:
        notice = gettext("This action is not possible now: the case is %(state)s.", state=label(case.state, "state"))
        return _form_page(case, event, Form(), notice), 409
    defaults = MultiDict({"session.held_at": _now_local_minute(), "agreement.form": "written"})
    return _form_page(case, event, Form(defaults, INPUT_LABELS))


def _changed_notice(case: CaseDetail, event: str) -> str:
    if event in case.allowed_events:
        return gettext(
            "Changed by someone else: this case changed while you were looking at it. It is shown as it is now."
        )
    return gettext(
        "Changed by someone else: this action is not possible any more (the case is now %(state)s). "
        "It is shown as it is now.",
        state=label(case.state, "state"),
    )


@bp.get(f"/cases/{CASE_ID}/events")
@login_required
def case_events_page(case_id: int):
    """A page answered to a POST here links to itself (the language switch): the case file it is about."""
    lang: dict = {"lang": request.args["lang"]} if "lang" in request.args else {}
    return redirect(url_for("web.case_file", case_id=case_id, **lang))


@bp.post(f"/cases/{CASE_ID}/events")
@login_required
def case_event(case_id: int):
    actor, db = logged_in_actor(), get_db()
    event, origin = request.form.get("event", ""), request.form.get("from", "case")
    in_row = origin == "queue" and bool(request.headers.get("HX-Request"))
    if event not in table.EVENTS:
        raise Invalid(N_("%(field)s: unknown action"), field="event", params={"field": "event"})
    form = Form(request.form, INPUT_LABELS)
    try:
        inp = parse_data(EventInput, event_body(request.form, event), strict=False)
        case = cases.act(db, actor, case_id, inp, _policy())
    except Conflict:
        fresh = cases.get_case(db, actor, case_id)
        notice = _changed_notice(fresh, event)
        if in_row:  # 200: htmx swaps only successful answers; the row says what happened
            return render_template("queue/_row.html", item=fresh, notice=notice)
        if origin == "queue":
            flash(notice, "warning")
            return redirect(url_for("web.queue"))
        if desk_needs(event):
            typed = MultiDict(request.form)
            typed["version"] = str(fresh.version)  # a resubmit acts on the case as it is now
            fresh_form = Form(typed, INPUT_LABELS)
            return _form_page(fresh, event, fresh_form, notice), 409
        return _case_page(fresh, notice), 409
    except Invalid as exc:
        # A hidden field at fault (a tampered version or action) has nothing to point at on the page.
        form.add_error(None if exc.field in ("version", "event") else exc.field, translated(exc, INPUT_LABELS))
        case = cases.get_case(db, actor, case_id)
        if desk_needs(event):
            return _form_page(case, event, form), 422
        return _case_page(case, form=form), 422
    if in_row:
        return render_template("queue/_row.html", item=case)
    flash(gettext("Done: %(action)s.", action=label(event, "event")), "success")
    return redirect(url_for("web.queue") if origin == "queue" else url_for("web.case_file", case_id=case.id))
