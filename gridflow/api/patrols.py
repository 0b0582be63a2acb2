"""Patrols (巡查) over HTTP: start, end, positions in batches, a worker's day."""

from __future__ import annotations

from flask import g

from gridflow.api import bp
from gridflow.api.auth import login_required
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.patrols import log, walks
from gridflow.schemas.patrols import (
    BatchReceipt,
    PatrolDay,
    PatrolDayQuery,
    PatrolEnd,
    PatrolStart,
    PatrolView,
    PositionBatch,
)

PATROL_ID = "<int(max=2147483647):patrol_id>"


@bp.post("/patrols")
@login_required
@api_route(201, PatrolView, body=PatrolStart, also={200: PatrolView}, errors=(403, 409), tags=("patrols",))
def start_patrol(body: PatrolStart):
    """Start a patrol (grid workers; one at a time).  The same `client_id` again: 200 with that patrol."""
    patrol, created = walks.start(get_db(), g.actor, body)
    return patrol, 201 if created else 200


@bp.post(f"/patrols/{PATROL_ID}/end")
@login_required
@api_route(200, PatrolView, body=PatrolEnd, errors=(404,), tags=("patrols",))
def end_patrol(patrol_id: int, body: PatrolEnd):
    """End one's own patrol (ending it again answers it as it ended)."""
    return walks.end(get_db(), g.actor, patrol_id, body)


@bp.post(f"/patrols/{PATROL_ID}/positions")
@login_required
@api_route(201, BatchReceipt, body=PositionBatch, also={200: BatchReceipt}, errors=(404,), tags=("patrols",))
def patrol_positions(patrol_id: int, body: PositionBatch):
    """Positions and visits of one's own patrol, in batches; a batch sent again (same `client_id`)
    is taken once (200).  Times outside the patrol are refused."""
    receipt, created = walks.record(get_db(), g.actor, patrol_id, body)
    return receipt, 201 if created else 200


@bp.get("/patrols")
@login_required
@api_route(200, PatrolDay, query=PatrolDayQuery, errors=(404,), tags=("patrols",))
def patrol_day(query: PatrolDayQuery):
    """A worker's patrol log for a day: distance, duration, grids covered, cases reported (for himself,
    and for the mediators and supervisors of his area)."""
    return log.day(get_db(), g.actor, query.worker, query.date)
