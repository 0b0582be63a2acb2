"""The evaluation figures over HTTP: JSON, and the 考核表 as a spreadsheet."""

from __future__ import annotations

from flask import Response, g

from gridflow.api import bp
from gridflow.api.auth import login_required
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.schemas.stats import Stats, StatsQuery
from gridflow.stats import sheet
from gridflow.stats.query import Question, stats


def question(query: StatsQuery) -> Question:
    return Question(division=query.division, from_=query.from_, to=query.to, group_by=query.group_by)


@bp.get("/stats")
@login_required
@api_route(200, Stats, query=StatsQuery, errors=(403, 404), tags=("stats",))
def figures(query: StatsQuery):
    """The evaluation figures (考核) of the cases reported in the period (`from`, `to`: report dates)
    inside a division of the caller's area, in total and per group (`group_by`: level, division —
    the divisions one level down —, category, duty, worker, month, or two of them joined by a comma)."""
    return stats(get_db(), g.actor, question(query))


XLSX = sheet.XLSX


@bp.get("/stats.xlsx")
@login_required
@api_route(200, None, query=StatsQuery, errors=(403, 404), tags=("stats",), binary=("stats_xlsx", (XLSX,)))
def figures_sheet(query: StatsQuery):
    """The same figures as a 考核表 (Excel): a title row naming the division and period, a header row
    (Chinese; English with `lang=en`), one row per group, then the totals."""
    answer = stats(get_db(), g.actor, question(query))
    body = sheet.workbook(answer, "en" if query.lang == "en" else "zh")
    name = f"stats-{answer.division.code}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
