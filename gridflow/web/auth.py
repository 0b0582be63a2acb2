"""Who is logged in on a page: the web session resolves to the same `Actor` the API's bearer token does.

The session cookie (signed and dated by Flask, see gridflow.security) holds the user id and the
token version it was issued under.  Every request that asks reads the user afresh through
`tokens.actor_for_session` — the same query as a token — so disabling a user, a new password, a
change of role, area or grids, or logging out anywhere (all bump the token version) ends the session
at the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from gridflow.audit.log import Caller
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.errors import Unauthorized
from gridflow.models import User
from gridflow.people import tokens
from gridflow.workflow.rules import Actor

_UNRESOLVED = object()


def current_actor() -> Actor | None:
    """The logged-in user now, or None; resolved once per request."""
    actor = g.get("web_actor", _UNRESOLVED)
    if actor is _UNRESOLVED:
        actor = g.web_actor = _resolve()
    return actor


def _resolve() -> Actor | None:
    if "uid" not in session:
        return None
    try:
        with get_db().lookup() as conn:
            return tokens.actor_for_session(conn, session.get("uid"), session.get("stamp"))
    except Unauthorized:
        session.clear()  # disabled, a new password, logged out …: the token version moved on
        return None


def logged_in_actor() -> Actor:
    """The logged-in user, in a view behind `login_required` (there always is one)."""
    actor = current_actor()
    if actor is None:  # a view without login_required: a bug, not a visitor's doing
        raise RuntimeError("logged_in_actor() outside login_required")
    return actor


def log_in(user: User) -> None:
    """Start a fresh session for `user` (nothing of the previous one survives, the CSRF token included)."""
    session.clear()
    session["uid"] = user.id
    session["stamp"] = tokens.credential_stamp(user)
    session.permanent = True  # lasts PERMANENT_SESSION_LIFETIME after the last request
    g.pop("web_actor", None)


def page_caller() -> Caller:
    """The logged-in user as the services take him: actor, client address, the audit chain's keys."""
    return Caller(logged_in_actor(), chain_keys(current_app.config), request.remote_addr)


def log_out() -> None:
    session.clear()
    g.web_actor = None


def login_required(view: Callable) -> Callable:
    """Pages for logged-in users only: others go to the login page and come back afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_actor() is None:
            here = request.full_path.rstrip("?") if request.method == "GET" else None
            target = url_for("web.login", next=here)
            if request.headers.get("HX-Request"):  # htmx: have the browser go there, not the fragment
                return "", 401, {"HX-Redirect": target}
            return redirect(target)
        return view(*args, **kwargs)

    return wrapper


def role_required(*roles: str) -> Callable:
    """`@role_required(MEDIATOR, SUPERVISOR)`: logged in, and with one of these roles (else 403)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if logged_in_actor().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return login_required(checked)

    return decorate


def safe_next(target: str | None) -> str | None:
    """A `next` address only if it stays on this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
