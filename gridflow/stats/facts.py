"""What the figures need to know of one case, advanced event by event (pure: no database).

The same `advance` runs in the transaction of every event (`upkeep`) and over stored timelines when
the table is filled afresh (the migration's backfill); the figures read only these facts.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.clock import local_date
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.table import ACTIVE

LEVEL_INDEX = {level: i for i, level in enumerate(LEVELS_BOTTOM_UP)}
# Filed by its grid worker, or by the sweep when his filing limit passed (unchecked on site).
FILING = ("file", "auto_file")
# Only `escalate` (by hand or by the sweep) counts as handed up from a level: a pull-up (提级) is the
# upper level's choice, though the case has then left its level (it is not settled locally).
ESCALATED = {level: f"escalated_{level}" for level in LEVELS_BOTTOM_UP[:-1]}  # city: nowhere to go


def whole_hours(hours: float) -> int:
    """Office hours to the nearest whole hour (half up): the medians are of these."""
    return math.floor(hours + 0.5)


def level_bit(level: str) -> int:
    return 1 << LEVEL_INDEX[level]


def new_facts(case: Any, duty: str, worker_id: int | None) -> dict[str, Any]:
    """The facts of a case just reported (`case`: its columns, before any event moved it)."""
    reported_on = local_date(case.created_at)
    return {
        "case_id": case.id,
        "reported_on": reported_on,
        "report_month": reported_on.year * 100 + reported_on.month,
        "kind": case.kind,
        "category": case.category,
        "duty": duty,
        "grid_id": case.grid_id,
        **{f"{lvl}_id": getattr(case, f"{lvl}_id") for lvl in LEVELS_BOTTOM_UP},
        "worker_id": worker_id,
        "state": "reported",
        "level": LEVELS_BOTTOM_UP[0],
        "deadline": None,
        "filed_at": None,
        "first_deadline": None,
        "closed_at": None,
        "ever_overdue": False,
        "reworked": False,
        "extended": False,
        "levels_reached": 0,
        "top_level": 0,
        **dict.fromkeys(ESCALATED.values(), 0),
        "handling_hours": None,
        "handling_days": None,
        "handling_hour": None,
        "satisfied": None,
    }


def advance(
    facts: dict[str, Any],
    event: str,
    at: datetime,
    data: dict[str, Any],
    state: str,
    level: str,
    deadline: datetime | None,
    calendar: WorkCalendar,
) -> None:
    """Move the facts past one event at `at` (`data`: what the event recorded; `state`, `level`,
    `deadline`: the case's after it).  A case is overdue while it is active past its deadline; it was
    ever overdue if an event found it so, or the sweep flagged it."""
    if facts["state"] in ACTIVE and facts["deadline"] is not None and at > facts["deadline"]:
        facts["ever_overdue"] = True
    if event == "flag_overdue":
        facts["ever_overdue"] = True
    elif event in FILING:
        facts["filed_at"], facts["first_deadline"] = at, deadline
    elif event == "escalate" and facts["level"] in ESCALATED:
        facts[ESCALATED[facts["level"]]] += 1
    elif event == "rework":
        facts["reworked"] = True
    elif event == "extend":
        facts["extended"] = True
    elif event == "follow_up" and (data.get("visit") or {}).get("satisfied") is not None:
        facts["satisfied"] = bool(data["visit"]["satisfied"])
    if facts["filed_at"] is not None:
        facts["levels_reached"] |= level_bit(level)
        facts["top_level"] = max(facts["top_level"], LEVEL_INDEX[level])
    if state == "closed" and facts["closed_at"] is None:
        facts["closed_at"] = at
        if facts["filed_at"] is not None:
            seconds = calendar.office_seconds_between(facts["filed_at"], at)
            facts["handling_hours"] = seconds / 3600
            facts["handling_days"] = seconds / calendar.office_seconds_per_day()
            facts["handling_hour"] = whole_hours(facts["handling_hours"])
    facts["state"], facts["level"], facts["deadline"] = state, level, deadline
