"""One place where errors become HTTP responses: `{"error": {"code", "message", "field"?}}`."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from gridflow.errors import GridflowError


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return jsonify(error=body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(GridflowError)
    def _domain(exc: GridflowError):
        return jsonify(error=exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)
