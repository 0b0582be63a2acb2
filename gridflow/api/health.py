"""GET /healthz (no login): for load balancers, monitoring and the people on call."""

from __future__ import annotations

from flask import Blueprint, current_app

from gridflow import health
from gridflow.clock import utcnow
from gridflow.db import get_db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body, status = health.status(get_db(), current_app.config["SWEEP_INTERVAL_SECONDS"], utcnow())
    return body, status, {"Cache-Control": "no-store"}
