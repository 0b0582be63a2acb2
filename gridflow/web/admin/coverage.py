"""Coverage of a division (/admin/coverage): do its children (or every grid below it) tile it?  Gaps,
overlaps and parts outside with their m², in a table and on a map: `places.lookup.coverage`, the
service behind `gridflow coverage`."""

from __future__ import annotations

import json

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l

from gridflow.db import get_db
from gridflow.errors import N_, Invalid
from gridflow.places import lookup
from gridflow.schemas.parse import parse_query
from gridflow.schemas.places import CoverageQuery
from gridflow.web import bp, nav
from gridflow.web.auth import role_required
from gridflow.web.forms import Form
from gridflow.web.pages import page_args
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_coverage",
    _l("Coverage"),
    roles=(),
    description=_l("Does a division's area split into its children without gaps or overlaps? On a map, with m²"),
)
LABELS = {"code": _l("Division"), "children": _l("Check against")}


@bp.get("/admin/coverage")
@role_required(ADMIN)
def admin_coverage():
    form = Form(page_args(), LABELS)
    report = layer_url = None
    query = CoverageQuery()
    with form.catching():
        query = parse_query(CoverageQuery, page_args())
        if query.code:
            with get_db().session() as s:
                report = lookup.coverage(s, query.code, current_app.config["COVERAGE_TOLERANCE_M2"], query.children)
    with get_db().session() as s:
        here = query.code if report else None
        below = lookup.children_of(s, here)
        division = lookup.get_division(s, here) if here else None
        up = division.parent.code if division and division.parent else None
    if report:
        layer_url = url_for("web.admin_coverage_map", code=query.code, children=query.children)
    return render_template(
        "admin/coverage.html",
        form=form,
        report=report,
        division=division,
        below=below,
        up=up,
        children=query.children,
        layer_url=layer_url,
    ), form.status


@bp.get("/admin/coverage/map.geojson")
@role_required(ADMIN)
def admin_coverage_map():
    query = parse_query(CoverageQuery, page_args())
    if not query.code:
        raise Invalid(N_("give a division code"), field="code")
    with get_db().session() as s:
        report = lookup.coverage(s, query.code, current_app.config["COVERAGE_TOLERANCE_M2"], query.children)
        layer = lookup.coverage_layer(s, report)
    return current_app.response_class(json.dumps(layer, ensure_ascii=False), mimetype="application/geo+json")
