"""The OpenAPI document and its interactive docs, served without login and without the internet
(swagger-ui from gridflow/static/vendor, built by ./dev.sh from package-lock.json)."""

from __future__ import annotations

from flask import current_app, render_template

from gridflow.api import bp
from gridflow.api.spec import document


@bp.get("/openapi.json")
def openapi_document():
    return current_app.json.response(document())


@bp.get("/docs")
def api_docs():
    return render_template("api_docs.html")
