"""My queue (/queue): the cases at my level in my area, soonest deadline first, filtered with the
case search's parameter names, paged by keyset; claim and release in place (the row comes back from
the same partial template, see casefile.case_event)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from gridflow.api import exports
from gridflow.cases import lists
from gridflow.categories.store import list_current
from gridflow.db import get_db
from gridflow.places.lookup import grids_in_area
from gridflow.schemas.cases import CaseExport
from gridflow.schemas.parse import parse_query
from gridflow.schemas.queue import QueueQuery
from gridflow.web import bp, nav
from gridflow.web.auth import logged_in_actor, role_required
from gridflow.web.forms import Form
from gridflow.web.pages import kept_filters, page_args
from gridflow.workflow.rules import ADMIN, MEDIATOR, SUPERVISOR

nav.add(
    "web.queue",
    _l("My queue"),
    roles=(MEDIATOR, SUPERVISOR),
    order=10,
    description=_l("Cases waiting at my level in my area, soonest deadline first"),
    landing_for=(MEDIATOR,),
)

FILTER_LABELS = {
    "kind": _l("Kind"),
    "category": _l("Category"),
    "state": _l("State"),
    "grid": _l("Grid"),
    "q": _l("Case number or words"),
    "supervised": _l("Supervision"),
    "per_page": _l("Cases per page"),
    "after": _l("Page"),
    "before": _l("Page"),
}


def category_options() -> list[tuple[str, str]]:
    """(code, "code name") in the page's language."""
    english = get_locale() is not None and get_locale().language == "en"
    return [
        (c.code, f"{c.code} {c.name_en if english else c.name}")
        for c in list_current(get_db(), include_disabled=True).items
    ]


@bp.get("/queue")
@role_required(MEDIATOR, SUPERVISOR, ADMIN)
def queue():
    actor = logged_in_actor()
    args = page_args()
    form = Form(args, FILTER_LABELS)
    result = None
    with form.catching():
        result = lists.queue_slice(get_db(), actor, parse_query(QueueQuery, args))
    if result is None:  # filters that do not parse: the whole queue beneath their errors
        result = lists.queue_slice(get_db(), actor, QueueQuery())
    with get_db().lookup() as conn:
        grids = grids_in_area(conn, actor.division_id)
    template = "queue/_results.html" if request.headers.get("HX-Target") == "queue-results" else "queue/index.html"
    return render_template(
        template,
        form=form,
        result=result,
        grid_options=None if grids is None else [(code, f"{name} ({code})") for code, name in grids],
        category_options=category_options(),
        filtered=any(args.get(k) for k in ("kind", "category", "state", "grid", "q", "supervised")),
        page_url=lambda **cursor: _page_url(args, **cursor),
        export_url=lambda fmt: url_for(
            "web.queue_export",
            fmt=fmt,
            **kept_filters(args, "after", "before", "per_page"),
        ),
    ), form.status


@bp.get("/queue/export.<any(xlsx, csv):fmt>")
@role_required(MEDIATOR, SUPERVISOR, ADMIN)
def queue_export(fmt: str):
    """The queue as the filters show it, every page of it, as a file (the case search's export, in
    the page's language)."""
    actor = logged_in_actor()
    wanted = parse_query(QueueQuery, page_args())
    locale = get_locale()
    query = CaseExport.model_validate(
        {
            "kind": wanted.kind,
            "category": wanted.category,
            "grid": wanted.grid,
            "q": wanted.q,
            "state": wanted.state or "open,handling",
            "level": actor.division_level if actor.role != ADMIN else None,
            "sort": "deadline",
            "lang": "en" if locale is not None and locale.language == "en" else "zh",
        }
    )
    return exports.xlsx_response(actor, query) if fmt == "xlsx" else exports.csv_response(actor, query)


def _page_url(args, **cursor: str) -> str:
    """This queue with the same filters, at another page."""
    return url_for("web.queue", **(kept_filters(args, "after", "before") | cursor))
