"""Spatial look-ups over HTTP."""

from __future__ import annotations

from gridflow.api import bp
from gridflow.api.auth import login_required
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.places import lookup as places
from gridflow.schemas.places import Located, LocateQuery


@bp.get("/locate")
@login_required
@api_route(200, Located, query=LocateQuery, tags=("places",))
def locate(query: LocateQuery):
    """The divisions, grid and worker responsible for a point (WGS-84)."""
    with get_db().lookup() as conn:
        return places.locate(conn, query.lon, query.lat)
