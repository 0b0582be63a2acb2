"""Spatial look-ups over HTTP."""

from __future__ import annotations

from flask import request

from gridflow.api import bp
from gridflow.db import get_db
from gridflow.errors import Invalid
from gridflow.places import lookup as places


def _float_arg(name: str) -> float:
    raw = request.args.get(name)
    try:
        return float(raw)  # type: ignore[arg-type]  # None: TypeError, answered below
    except (TypeError, ValueError):
        raise Invalid(f"query parameter '{name}' must be a number", field=name) from None


@bp.get("/locate")
def locate():
    lon, lat = _float_arg("lon"), _float_arg("lat")
    with get_db().lookup() as conn:
        return places.locate(conn, lon, lat)
