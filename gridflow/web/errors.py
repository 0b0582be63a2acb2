"""Error pages for browsers.  gridflow.api.errors asks `wants_page()` first: a browser asking for a page
(or an htmx request) gets HTML in the layout; the API and every other client keep the JSON body."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

JSON_PATHS = ("/api/",)
TITLES = {
    400: _l("The request was not accepted"),
    401: _l("Please log in"),
    403: _l("You may not open this page"),
    404: _l("Page not found"),
    405: _l("This address does not take this kind of request"),
    409: _l("Changed by someone else"),
    413: _l("What you sent is too large"),
    422: _l("The request was not accepted"),
    429: _l("Too many attempts"),
}


def wants_page() -> bool:
    if request.path.startswith(JSON_PATHS):
        return False
    if request.headers.get("HX-Request"):
        return True
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_page(status: int, message: str | None = None, exc: Exception | None = None):
    if isinstance(exc, CSRFError):
        message = gettext(
            "This form has expired or did not come from this site. Go back, reload the page and try again."
        )
    title = TITLES.get(status, _l("Something went wrong on our side"))
    try:
        return render_template("error.html", status=status, title=title, message=message), status
    except Exception:  # noqa: BLE001 - the page itself failed (e.g. the database is down): plain text
        return f"{status} {title}", status, {"Content-Type": "text/plain; charset=utf-8"}
