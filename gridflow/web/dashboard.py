"""The supervisor's dashboard (/dashboard): the evaluation figures of a division (all time by
default, a period picker), by level, monthly trends drawn as SVG, counts by state and level, overdue
now and ever, the most overdue cases, the divisions one level down with the same figures (drill
down to the grids), a map shaded by their overdue cases, and the table as a 考核表 (/dashboard.xlsx)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.db import get_db
from gridflow.models import Division
from gridflow.schemas.parse import parse_query
from gridflow.schemas.stats import DashboardQuery
from gridflow.spatial import to_shape
from gridflow.stats import sheet
from gridflow.stats.figures import figures
from gridflow.stats.query import CHILD, Question, breakdown, stats
from gridflow.web import bp, nav
from gridflow.web.auth import logged_in_actor, role_required
from gridflow.workflow.rules import ADMIN, SUPERVISOR
from gridflow.workflow.table import STATES

nav.add(
    "web.dashboard",
    _l("Dashboard"),
    roles=(SUPERVISOR, ADMIN),
    order=20,
    description=_l("The evaluation figures of my division, by level, month and area"),
    landing_for=(SUPERVISOR,),
)

# The headline figures: (key in the figures, label).  上交率: escalated from community level.
HEADLINE = [
    ("closure_rate", _l("Closure rate")),
    ("on_time_rate", _l("On-time closure rate")),
    ("rework_rate", _l("Rework rate")),
    ("extension_rate", _l("Extension rate")),
    ("escalation_rate", _l("Escalation rate")),
    ("settled_locally_rate", _l("Settled locally")),
]
CHART_W, CHART_H, CHART_LEFT, CHART_BOTTOM = 640, 200, 40, 24


def _question() -> Question:
    args = request.args.copy()
    args.pop("lang", None)
    query = parse_query(DashboardQuery, args)
    return Question(division=query.division, from_=query.from_, to=query.to)


def _headline(f: dict) -> dict:
    return {**f, "escalation_rate": f["escalation_rate"]["community"]}


def trend(months: dict[str, dict]) -> dict | None:
    """The monthly trend as SVG geometry: a bar per month of cases reported, and the closure and
    on-time rates as lines (0–100 % on the same height)."""
    if not months:
        return None
    keys = list(months)
    step = (CHART_W - CHART_LEFT - 10) / len(keys)
    top = max(f["reported"] for f in months.values()) or 1
    inner = CHART_H - CHART_BOTTOM - 10

    def y_rate(r: float | None) -> float | None:
        return None if r is None else round(10 + inner * (1 - r), 1)

    bars, closure, on_time = [], [], []
    for i, key in enumerate(keys):
        f = months[key]
        x = CHART_LEFT + i * step
        h = inner * f["reported"] / top
        width = min(step * 0.7, 48)
        bars.append(
            {
                "x": round(x + (step - width) / 2, 1),
                "w": round(width, 1),
                "y": round(10 + inner - h, 1),
                "h": round(h, 1),
                "month": key,
                "f": f,
            }
        )
        cx = round(x + step / 2, 1)
        if (y := y_rate(f["closure_rate"])) is not None:
            closure.append((cx, y))
        if (y := y_rate(f["on_time_rate"])) is not None:
            on_time.append((cx, y))
    return {
        "width": CHART_W,
        "height": CHART_H,
        "left": CHART_LEFT,
        "base": 10 + inner,
        "top": top,
        "bars": bars,
        "closure": " ".join(f"{x},{y}" for x, y in closure),
        "on_time": " ".join(f"{x},{y}" for x, y in on_time),
        "closure_points": closure,
        "on_time_points": on_time,
        "label_every": max(1, len(keys) // 12),
    }


@bp.get("/dashboard")
@role_required(SUPERVISOR, ADMIN)
def dashboard():
    actor = logged_in_actor()
    q = _question()
    db = get_db()
    b = breakdown(db, actor, q)
    months = {k: figures(c) for k, c in b.months.items()}
    children = sorted(
        (
            (b.child_names.get(k, {"code": str(k), "name": str(k), "level": CHILD[b.division.level]}), figures(c))
            for k, c in b.children.items()
        ),
        key=lambda pair: pair[0]["code"],
    )
    totals = figures(b.totals)
    return render_template(
        "dashboard/index.html",
        division=b.division,
        question=q,
        period={k: v.isoformat() for k, v in (("from", q.from_), ("to", q.to)) if v},
        totals=totals,
        headline=[(key, label, _headline(totals)[key]) for key, label in HEADLINE],
        levels=LEVELS_BOTTOM_UP,
        by_level={lvl: figures(c) for lvl, c in b.levels.items()},
        states=[(s, b.states[s]) for s in STATES if s in b.states],
        months=months,
        chart=trend(months),
        children=children,
        child_level=CHILD[b.division.level],
        overdue=b.overdue,
        supervised_count=b.supervised_count,
        supervised=b.supervised,
        shade={c["code"]: f["overdue_now"] for c, f in children},
        center=_center(b.division),
        zoom=MAP_ZOOM[CHILD[b.division.level]],
    )


MAP_ZOOM = {"county": 9, "street": 10, "community": 12, "grid": 13}  # where the map shows that level


def _center(division) -> tuple[float, float]:
    with get_db().session() as s:
        boundary = s.scalar(select(Division.boundary).where(Division.id == division.id))
    point = to_shape(boundary).representative_point()
    return round(point.x, 5), round(point.y, 5)


@bp.get("/dashboard.xlsx")
@role_required(SUPERVISOR, ADMIN)
def dashboard_sheet():
    """The dashboard's table (the divisions one level down) as a 考核表."""
    q = _question()
    answer = stats(get_db(), logged_in_actor(), Question(q.division, q.from_, q.to, "division"))
    lang = "en" if str(get_locale()).startswith("en") else "zh"
    return Response(
        sheet.workbook(answer, lang),
        mimetype=sheet.XLSX,
        headers={"Content-Disposition": f'attachment; filename="stats-{answer.division.code}.xlsx"'},
    )
