"""One place where errors become HTTP responses: `{"error": {"code", "message", "field"?}}`, or an HTML\nerror page for a browser asking for a page (gridflow.web.errors)."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from gridflow.errors import GridflowError


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return jsonify(error=body), status


BUSY_RETRY_AFTER_S = 5


def _sqlite_busy(exc: OperationalError) -> bool:
    return (
        exc.orig is not None
        and type(exc.orig).__module__.startswith(("sqlite3", "sqlean"))
        and "locked" in str(exc.orig)
    )


def init_app(app: Flask) -> None:
    from gridflow.web.errors import error_page, wants_page  # browsers asking for a page get HTML
    from gridflow.web.forms import translated

    @app.errorhandler(OperationalError)
    def _busy(exc: OperationalError):
        """SQLite's one write lock stayed taken longer than SQLITE_BUSY_TIMEOUT_S (a long import, say):
        a clear, retryable answer instead of a 500.  Anything else is a real failure."""
        if not _sqlite_busy(exc):
            raise exc
        response, status = error_response(
            503, "busy", "the database is busy with a long write (an import?): nothing was changed, try again shortly"
        )
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
        return response, status

    @app.errorhandler(GridflowError)
    def _domain(exc: GridflowError):
        response = (
            app.make_response(error_page(exc.status, translated(exc), exc))
            if wants_page()
            else app.make_response((jsonify(error=exc.to_dict()), exc.status))
        )
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is not None and exc.code < 400:  # a redirect raised by routing (e.g. a trailing slash)
            return exc
        if wants_page():
            return error_page(exc.code or 500, None, exc)
        return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)
