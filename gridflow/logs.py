"""Logging: one configuration (dictConfig) for the web workers, the scheduler and the commands.

Lines go to standard error (systemd's journal, or whatever runs the process, keeps them).
`LOG_FORMAT=text` (default) is for people; `json` gives one JSON object a line for a log collector.
Every line written while a request is served carries its request id (the `X-Request-ID` header nginx
sends, else a new one; echoed in the response) and the id of the authenticated user: whatever sets
`g.actor` (the API's login) or `g.web_actor` (a page's session) makes the user known to the log.  Each request ends with one line on the
`gridflow.request` logger (method, path, status, duration, client address: behind nginx set
PROXY_HOPS=1 so that it is the client's, not nginx's).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # what we accept from a proxy, so logs stay clean
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "client")
request_log = logging.getLogger("gridflow.request")


class RequestContext(logging.Filter):
    """Adds `request_id` and `user_id` to every record (None outside a request or before login)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = record.user_id = None
        if has_request_context():
            record.request_id = g.get("request_id")
            actor = g.get("actor") or g.get("web_actor")  # the API's token, or a page's session
            record.user_id = getattr(actor, "id", None)
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id:
            line = line.replace(" | ", f" | request={request_id} user={getattr(record, 'user_id', None) or '-'} | ", 1)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id, user_id, and
    the request fields of the access line.  Hand-written: a dozen lines, no dependency to keep."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        entry.update({k: getattr(record, k) for k in REQUEST_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def dict_config(fmt: str, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": RequestContext}},
        "formatters": {
            "text": {"()": TextFormatter, "format": "%(asctime)s %(levelname)s %(name)s | %(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Libraries say what matters at WARNING; their INFO lines are noise in production.
            "sqlalchemy": {"level": "WARNING"},
            "alembic": {"level": "WARNING"},
            "apscheduler": {"level": "WARNING"},
            "werkzeug": {"level": "WARNING"},
            # transitions logs every callback of every trigger at INFO: three lines a report.
            "transitions": {"level": "WARNING"},
        },
    }


def configure(fmt: str = "text", level: str = "INFO") -> None:
    logging.config.dictConfig(dict_config(fmt, level))


def init_app(app: Flask) -> None:
    """Request ids and the access line.  The process-wide configuration is left alone under TESTING
    (pytest captures logs itself)."""
    if not app.testing:
        configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _access_line(response):
        if "request_id" not in g:  # an earlier before_request failed: the request still gets its line
            return response
        response.headers["X-Request-ID"] = g.request_id
        duration = round((time.perf_counter() - g.request_started) * 1000, 1)
        fields = {"method": request.method, "path": request.path, "status": response.status_code}
        request_log.info(
            "%s %s %s %.1f ms %s",
            request.method,
            request.path,
            response.status_code,
            duration,
            request.remote_addr,
            extra=fields | {"duration_ms": duration, "client": request.remote_addr},
        )
        return response
