"""JSON API, /api/v1: parse the request, call one service, render its answer."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", template_folder="templates")

from gridflow.api import (  # noqa: E402,F401  (routes register on import)
    audit,
    auth,
    calendar,
    cases,
    categories,
    docs,
    media,
    notifications,
    patrols,
    people,
    places,
    stats,
)
