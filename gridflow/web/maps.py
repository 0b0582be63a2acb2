"""Map layers for pages: the API's GeoJSON (same services, same query parameters) under the page
login, at /geo/<layer>.geojson; gridflow/static/js/map.js reads them."""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from gridflow.cases import mapdata as case_layer
from gridflow.db import get_db
from gridflow.places import mapdata
from gridflow.schemas.parse import parse_query
from gridflow.schemas.places import DivisionsQuery, FeatureCollection, GridsQuery, MapQuery
from gridflow.web import bp
from gridflow.web.auth import logged_in_actor, login_required
from gridflow.web.labels import LABELS

GEOJSON = "application/geo+json"


def _answer(layer: FeatureCollection):
    return current_app.response_class(layer.model_dump_json(), mimetype=GEOJSON)


@bp.get("/geo/divisions.geojson")
@login_required
def geo_divisions():
    query = parse_query(DivisionsQuery, request.args)
    return _answer(mapdata.divisions(get_db(), query.box, query.zoom, query.level))


@bp.get("/geo/grids.geojson")
@login_required
def geo_grids():
    query = parse_query(GridsQuery, request.args)
    return _answer(mapdata.grids(get_db(), query.box, query.zoom, query.code))


@bp.get("/geo/entities.geojson")
@login_required
def geo_entities():
    query = parse_query(MapQuery, request.args)
    return _answer(mapdata.entities(get_db(), query.box, query.zoom))


@bp.get("/geo/cases.geojson")
@login_required
def geo_cases():
    query = parse_query(MapQuery, request.args)
    return _answer(case_layer.cases(get_db(), logged_in_actor(), query.box, query.zoom))


def map_labels() -> str:
    """What map.js writes on the map (layer names, popups, messages) in the page's language, as the
    JSON of its `data-i18n` attribute."""
    words = {
        "divisions": _l("Divisions"),
        "grids": _l("Grids"),
        "entities": _l("Residences, shops, units, roads"),
        "cases": _l("Open cases"),
        "loading": _l("Loading the map…"),
        "failed": _l("The map could not be loaded"),
        "logged_out": _l("Your session has ended: log in again"),
        "truncated": _l("Not everything in this view is shown: zoom in"),
        "grid_counts": _l("counts per grid (zoom in for each one)"),
        "community_counts": _l("counts per community (zoom in for each one)"),
        "hidden": _l("zoom in to see them"),
        "code": _l("Code"),
        "community": _l("Community"),
        "worker": _l("Grid worker"),
        "no_worker": _l("no grid worker"),
        "kind": _l("Kind"),
        "address": _l("Address"),
        "households": _l("Households"),
        "residents": _l("Residents"),
        "grid": _l("Grid"),
        "category": _l("Category"),
        "state": _l("State"),
        "level": _l("Level"),
        "overdue": _l("Overdue"),
        "open_cases": _l("Open cases"),
        "open_case": _l("Open the case file"),
        "yes": _l("yes"),
        "layers": _l("Map layers"),
        "zoom_in": _l("Zoom in"),
        "zoom_out": _l("Zoom out"),
    }
    for kind in ("level", "state", "entity"):
        words.update({code: text for code, text in LABELS[kind].items()})
    return json.dumps({k: str(v) for k, v in words.items()}, ensure_ascii=False)


def overlay_labels() -> str:
    """What static/js/admin-map.js writes on a page's own overlay (findings of a check, an uploaded
    file), as the JSON of its `data-overlay-i18n` attribute."""
    words = {
        "feature": _l("In the file:"),
        "area": _l("Division"),
        "overlap": _l("Overlap"),
        "outside": _l("Outside:"),
        "gap": _l("Gap in"),
        "m2": _l("m²"),
        "truncated": _l("Only the first 3,000 features of the file are drawn"),
    }
    return json.dumps({k: str(v) for k, v in words.items()}, ensure_ascii=False)
