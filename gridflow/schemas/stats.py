"""The evaluation figures (GET /stats): the question and the answer."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, Field

from gridflow.schemas.common import Output, Query, text

GROUPS = ("level", "division", "category", "duty", "worker", "month")


class StatsQuery(Query):
    division: text(15) | None = Field(None, description="a division code (default: the caller's own division)")
    from_: date | None = Field(None, alias="from", description="first report date (default: all time)")
    to: date | None = Field(None, description="last report date")
    group_by: text(40) | None = Field(
        None, description=f"one of {', '.join(GROUPS)}, or two joined by a comma (default: no groups)"
    )
    lang: text(5) | None = Field(None, description="headers of the spreadsheet: zh (default) or en")


class DashboardQuery(Query):
    """The dashboard's question: a division of the caller's area and a period of report dates."""

    division: text(15) | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class Spread(Output):
    median: float | None
    mean: float | None


class Figures(Output):
    reported: int
    filed: int
    due: int
    closed: int
    closure_rate: float | None
    on_time_rate: float | None
    overdue_now: int
    ever_overdue: int
    rework_rate: float | None
    extension_rate: float | None
    escalation_rate: dict[str, float | None]
    settled_locally_rate: float | None
    settled_at_or_below: dict[str, float | None]
    handling_working_days: Spread
    handling_hours: Spread
    satisfaction: float | None


class StatsGroup(Figures):
    key: dict[str, Any]


class DivisionName(Output):
    code: str
    name: str
    level: str


class Stats(Output):
    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True, serialize_by_alias=True, validate_by_name=True
    )

    division: DivisionName
    from_: date | None = Field(alias="from")
    to: date | None
    group_by: list[str]
    totals: Figures
    groups: list[StatsGroup]
