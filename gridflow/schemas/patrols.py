"""Patrols (巡查): starting and ending one, positions in batches, the daily log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from gridflow.schemas.cases import ClientId, PositionInput
from gridflow.schemas.common import Id, Input, LocalTime, Output, Query, Ref, UserRef, optional, text

MAX_FIXES = 2000  # a batch: an hour of fixes every two seconds
MAX_VISITS = 200


class PatrolStart(Input):
    """Start a patrol.  `started_at`: the phone's time when it started (offline: sent later), default
    now.  `client_id`: a repeat answers the patrol it started."""

    started_at: AwareDatetime | None = None
    client_id: ClientId | None = None


class PatrolEnd(Input):
    ended_at: AwareDatetime | None = None  # the phone's time, default now


class Fix(PositionInput):
    """A position along the way, at the phone's time (with its offset: 2026-11-27T09:30:00+08:00)."""

    at: AwareDatetime


class Visit(Input):
    """An entity visited: `how` the worker met it, and `position`: where the phone stood then (the
    log shows how far that was from the entity).  An entity visited again in the same patrol is
    kept once, at its first visit."""

    entity: text(64)  # the entity's ref
    at: AwareDatetime
    note: optional(text(500)) = None
    how: Literal["details", "report"] | None = None  # opened its details, or reported a case at it
    position: PositionInput | None = None


class PositionBatch(Input):
    """Positions (and entities visited) since the last batch.  `client_id` names the batch: sent again,
    it is taken once."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "client_id": "4d6c6c53-2f7e-4c5e-9a10-3b1f0e2d7a55",
                    "positions": [
                        {"lon": 115.01, "lat": 35.85, "at": "2026-11-27T09:30:00+08:00", "accuracy_m": 6},
                        {"lon": 115.0105, "lat": 35.8502, "at": "2026-11-27T09:30:30+08:00", "accuracy_m": 5},
                    ],
                    "visits": [{"entity": "H1", "at": "2026-11-27T09:31:00+08:00", "note": "走访3户"}],
                }
            ]
        }
    }

    client_id: ClientId
    positions: Annotated[list[Fix], Field(max_length=MAX_FIXES)] = []
    visits: Annotated[list[Visit], Field(max_length=MAX_VISITS)] = []


class PatrolDayQuery(Query):
    worker: Id | None = Field(None, description="the worker's user id (default: oneself)")
    date: dt.date | None = Field(None, description="a day in China time (default: today)")


class VisitView(Output):
    entity: str
    name: str | None
    kind: str | None  # residence|shop|unit|road
    at: LocalTime
    note: str | None
    how: str | None  # details|report (None: sent without saying)
    distance_m: float | None  # from the phone's position then to the entity (None: no position sent)
    near: bool | None  # within NEAR_M (plus the position's accuracy, at most NEAR_SLACK_M) of it


class PatrolView(Output):
    id: int
    worker: UserRef
    started_at: LocalTime
    ended_at: LocalTime | None
    distance_m: float
    duration_s: float
    points: int
    grids: list[Ref]
    visits: list[VisitView]


class BatchReceipt(Output):
    patrol_id: int
    client_id: str
    points: int
    visits: int


class PatrolDay(Output):
    worker: UserRef
    date: dt.date
    patrols: list[PatrolView]
    distance_m: float
    duration_s: float
    grids: list[Ref]  # every grid a position of the day lay in
    entities_visited: int  # distinct entities visited on the day's patrols
    cases_reported: int  # by the worker that day (China time)


class PatrolAreaQuery(Query):
    date: dt.date | None = Field(None, description="a day in China time (default: today)")
