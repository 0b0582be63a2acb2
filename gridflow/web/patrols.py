"""Patrol logs (/patrols): the grid workers of my area who patrolled on a day (today by default, a
date picker), each with the day's distance, time on patrol, grids walked, entities visited and cases
reported, and the visits.  The same service as the API's daily log (gridflow.patrols.log)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from gridflow.db import get_db
from gridflow.patrols.log import area_days
from gridflow.schemas.parse import parse_query
from gridflow.schemas.patrols import PatrolAreaQuery
from gridflow.web import bp, nav
from gridflow.web.auth import logged_in_actor, role_required
from gridflow.workflow.rules import ADMIN, MEDIATOR, SUPERVISOR

nav.add(
    "web.patrols",
    _l("Patrol logs"),
    roles=(SUPERVISOR, MEDIATOR, ADMIN),
    order=30,
    description=_l("The grid workers' patrols of a day: distance, time, grids walked, places visited"),
)


@bp.get("/patrols")
@role_required(SUPERVISOR, MEDIATOR, ADMIN)
def patrols():
    args = request.args.copy()
    args.pop("lang", None)
    query = parse_query(PatrolAreaQuery, args)
    on, days = area_days(get_db(), logged_in_actor(), query.date)
    totals = {
        "workers": len(days),
        "distance_m": sum(d.distance_m for d in days),
        "visits": sum(d.entities_visited for d in days),
        "cases": sum(d.cases_reported for d in days),
    }
    return render_template("patrols/index.html", on=on, days=days, totals=totals)
