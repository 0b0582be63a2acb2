"""What the codes of the domain are called on pages, in the page's language.

Templates: `{{ case.state|label("state") }}`, `{{ row.who|labels("role", "or") }}` (a list); Python:
`label("street", "level")`.  An unknown code shows as itself (never an error on a page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from babel.lists import format_list
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l

from gridflow.cases.export import COLUMNS, Labels
from gridflow.web import bp

LABELS = {
    "role": {
        "grid_worker": _l("Grid worker"),
        "mediator": _l("Mediator"),
        "supervisor": _l("Supervisor"),
        "admin": _l("Administrator"),
        "system": _l("System"),
    },
    "level": {"community": _l("community"), "street": _l("street"), "county": _l("county"), "city": _l("city")},
    "state": {
        "reported": _l("waiting for on-site check"),
        "open": _l("waiting"),
        "handling": _l("handling"),
        "resolved": _l("resolved, waiting for verification"),
        "closed": _l("closed"),
        "referred": _l("referred"),
        "rejected": _l("rejected"),
        "merged": _l("merged"),
    },
    "event": {
        "file": _l("file"),
        "reject": _l("reject"),
        "merge": _l("merge"),
        "claim": _l("claim"),
        "release": _l("release"),
        "escalate": _l("escalate"),
        "return": _l("return"),
        "record": _l("record a session"),
        "extend": _l("extend"),
        "resolve": _l("resolve"),
        "refer": _l("refer"),
        "verify": _l("verify"),
        "rework": _l("rework"),
        "follow_up": _l("follow-up visit"),
        "flag_overdue": _l("flag as overdue"),
        "auto_file": _l("filed by the system, not checked on site"),
        "verification_late": _l("verification overdue"),
        "remind": _l("reminder"),
        "urge": _l("urge"),
        "supervise": _l("supervise"),
        "pull_up": _l("pull up to my level"),
    },
    "input": {
        "reason": _l("reason"),
        "outcome": _l("outcome"),
        "session": _l("mediation session"),
        "settlement": _l("settlement"),
        "referral": _l("referral"),
        "visit": _l("visit"),
        "extend_by": _l("extension"),
        "into": _l("case merged into"),
        "note": _l("supervision note"),
        "due": _l("due time"),
    },
    "duty": {
        "general": _l("general grid work"),
        "stability": _l("stability information"),
        "mediation": _l("dispute mediation"),
        "safety": _l("work safety"),
        "order": _l("public order"),
    },
    "unit": {"emergency_hours": _l("hours"), "working_hours": _l("working hours"), "working_days": _l("working days")},
    "kind": {"incident": _l("incident"), "dispute": _l("dispute")},
    "day": {"holiday": _l("holiday (no work)"), "workday": _l("working day (调休)")},
    "channel": {"email": _l("e-mail"), "sms": _l("SMS"), "webhook": _l("webhook")},
    "notice": {  # what a notice told (gridflow.notifications.rules)
        "to_check": _l("to check on site"),
        "arrived": _l("arrived in a queue"),
        "warning": _l("four fifths of the time limit used"),
        "overdue": _l("overdue"),
        "escalated": _l("escalated"),
        "pulled_up": _l("pulled up"),
        "urged": _l("urged"),
        "supervised": _l("supervised"),
        "resolved": _l("resolved, to verify"),
        "reworked": _l("sent back for rework"),
        "reminder": _l("agreement deadline near"),
        "auto_filed": _l("filed unchecked (time out)"),
        "verification_late": _l("not verified in time"),
    },
    "risk": {"red": _l("red (report up at once)"), "orange": _l("orange (same day)"), "yellow": _l("yellow")},
    "party": {"applicant": _l("applicant"), "respondent": _l("respondent"), "third_party": _l("third party")},
    "agreement": {"written": _l("written agreement"), "oral": _l("oral settlement")},
    "referral": {
        "arbitration": _l("arbitration"),
        "court": _l("court"),
        "administrative": _l("administrative body"),
        "petition": _l("letters and visits (petition)"),
        "other": _l("other"),
    },
    # What an agreement's reminder recalls (the `remind` event's data).
    "reminder": {"performance": _l("performance deadline"), "confirmation": _l("judicial confirmation window ends")},
    "entity": {"residence": _l("residence"), "shop": _l("shop"), "unit": _l("stationed unit"), "road": _l("road")},
}


EXPORT_HEADERS = {
    "number": _l("Case number"),
    "kind": _l("Kind"),
    "category": _l("Category"),
    "grid": _l("Grid"),
    "divisions": _l("Divisions"),
    "state": _l("State"),
    "level": _l("Level"),
    "reported_at": _l("Reported"),
    "closed_at": _l("Closed"),
    "deadline": _l("Deadline"),
    "overdue": _l("Overdue"),
    "escalations": _l("Escalations"),
    "assignee": _l("Assignee"),
}


def export_labels(lang: str) -> Labels:
    """How a case export names things in `lang` ("zh" or "en"), whatever the request's language."""
    with force_locale(lang):
        return Labels(
            headers=[str(EXPORT_HEADERS[key]) for key in COLUMNS],
            code=_frozen_codes(),
            yes=gettext("yes"),
            no=gettext("no"),
            sheet=gettext("Cases"),
        )


def _frozen_codes() -> Callable[[str, str], str]:
    """The codes' names in the current language, read now (the file is written after it)."""
    names = {kind: {code: str(name) for code, name in LABELS[kind].items()} for kind in ("kind", "state", "level")}
    return lambda kind, code: names[kind].get(code, code)


@bp.app_template_filter("label")
def label(code: str | None, kind: str) -> str:
    if code is None:
        return ""
    return str(LABELS[kind].get(code, code))


def named(code: str) -> str:
    """A code's name from whichever list names it (an allowed value an error message lists), else the
    code itself."""
    for names in LABELS.values():
        if code in names:
            return str(names[code])
    return code


ListStyle = Literal["standard", "standard-short", "or", "or-short", "unit", "unit-short", "unit-narrow"]


@bp.app_template_filter("labels")
def labels(codes, kind: str, style: ListStyle = "standard") -> str:
    """Several codes as one list in the language's style: `a, b, and c` / `甲、乙和丙`; with
    style="or", `a, b, or c` / `甲、乙或丙`."""
    return format_list([label(code, kind) for code in codes], style=style, locale=get_locale() or "zh")
