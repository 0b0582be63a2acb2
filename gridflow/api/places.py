"""Spatial look-ups and map layers over HTTP."""

from __future__ import annotations

from flask import g

from gridflow.api import bp
from gridflow.api.auth import login_required
from gridflow.api.spec import api_route
from gridflow.cases import at_entity
from gridflow.cases import mapdata as case_layer
from gridflow.db import get_db
from gridflow.places import lookup as places
from gridflow.places import mapdata
from gridflow.schemas.places import (
    DivisionsQuery,
    EntityDetail,
    EntityDetails,
    FeatureCollection,
    GridEntitiesQuery,
    GridsQuery,
    Located,
    LocateQuery,
    MapQuery,
)


@bp.get("/locate")
@login_required
@api_route(200, Located, query=LocateQuery, tags=("places",))
def locate(query: LocateQuery):
    """The divisions, grid and worker responsible for a point (WGS-84)."""
    with get_db().lookup() as conn:
        return places.locate(conn, query.lon, query.lat)


@bp.get("/geo/divisions")
@login_required
@api_route(200, FeatureCollection, query=DivisionsQuery, tags=("map",))
def geo_divisions(query: DivisionsQuery):
    """Divisions of one level in a map view (default level by zoom), simplified for the zoom."""
    return mapdata.divisions(get_db(), query.box, query.zoom, query.level)


@bp.get("/geo/grids")
@login_required
@api_route(200, FeatureCollection, query=GridsQuery, errors=(404,), tags=("map",))
def geo_grids(query: GridsQuery):
    """Grids in a map view (or one grid by code) with their community and worker."""
    return mapdata.grids(get_db(), query.box, query.zoom, query.code)


@bp.get("/geo/entities")
@login_required
@api_route(200, FeatureCollection, query=MapQuery, tags=("map",))
def geo_entities(query: MapQuery):
    """Residences, shops, units and roads in a map view; counts per grid or community when zoomed out."""
    return mapdata.entities(get_db(), query.box, query.zoom)


@bp.get("/geo/cases")
@login_required
@api_route(200, FeatureCollection, query=MapQuery, tags=("map",))
def geo_cases(query: MapQuery):
    """Open cases inside the caller's area in a map view; counts per grid or community when zoomed out."""
    return case_layer.cases(get_db(), g.actor, query.box, query.zoom)


@bp.get("/entities/<string(maxlength=64):ref>")
@login_required
@api_route(200, EntityDetail, errors=(404,), tags=("places",))
def entity(ref: str):
    """A residence, shop, unit or road inside the caller's area (elsewhere: 404) with its case
    history: the cases reported at it or located at it in its grids, most recent first."""
    return at_entity.entity_detail(get_db(), g.actor, ref)


@bp.get("/entities")
@login_required
@api_route(200, EntityDetails, query=GridEntitiesQuery, errors=(404,), tags=("places",))
def grid_entities(query: GridEntitiesQuery):
    """Every entity of a grid in the caller's area (a road: with a stretch in it), each with its latest
    20 cases: what the field app keeps to show them without signal (another grid: 404)."""
    return at_entity.grid_entities(get_db(), g.actor, query.grid)
