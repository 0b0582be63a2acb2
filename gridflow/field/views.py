"""The field app's pages: log in (a long-lived field session), the app shell, a bearer token for the
app's API calls, the service worker and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from sqlalchemy import select

from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.errors import Unauthorized
from gridflow.field import bp
from gridflow.field.words import app_words
from gridflow.models import Grid, User
from gridflow.people import login, tokens
from gridflow.security import FIELD_SESSION
from gridflow.web.auth import current_actor, log_in, log_out, logged_in_actor, page_caller
from gridflow.web.forms import Form
from gridflow.workflow.rules import GRID_WORKER, Actor

STATIC = Path(__file__).resolve().parents[1] / "static" / "field"


def _grid_codes(actor: Actor) -> list[str]:
    if not actor.grid_ids:
        return []
    with get_db().session() as s:
        return sorted(s.scalars(select(Grid.code).where(Grid.id.in_(actor.grid_ids))))


@bp.route("/", methods=["GET", "POST"])
def home():
    """Not logged in: the login form (fields `username`, `password`).  Logged in: the app shell."""
    actor = current_actor()
    if actor is not None and request.method == "GET":
        shell = render_template(
            "field/app.html",
            grids=_grid_codes(actor),
            is_worker=actor.role == GRID_WORKER,
            words=json.dumps(app_words(), ensure_ascii=False),
        )
        return shell, 200, {"X-Field-Page": "app"}  # the service worker keeps this page, not the login form
    form = Form(request.form)
    if request.method == "POST":
        with form.catching():
            user = login.log_in(
                get_db(),
                login.Throttle.from_config(current_app.config),
                chain_keys(current_app.config),
                form.value("username"),
                form.value("password"),
                request.remote_addr,
            )
            log_in(user)
            session[FIELD_SESSION] = True  # the phone's login lasts FIELD_SESSION_LIFETIME
            return redirect(url_for("field.home"))
    page = render_template("field/login.html", form=form, ended=request.args.get("ended") == "1")
    return page, form.status, form.headers


@bp.post("/logout")
def logout():
    """Ends every session and token of the user; the login page the phone lands on clears what the app
    kept (caches and IndexedDB; app.js has cleared them already before it asked)."""
    if current_actor() is not None:
        login.log_out(get_db(), page_caller())
    log_out()
    return redirect(url_for("field.home", ended="1"))


@bp.post("/token")
def token():
    """A bearer token for the app's API calls, for the logged-in page session (CSRF header required).
    401 when the session has ended (logged out, revoked): the app then clears what it kept."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized(gettext("Your session has ended: log in again"))
    with get_db().session() as s:
        user = s.get(User, logged_in_actor().id)
        assert user is not None  # the session resolved to him a moment ago
        value = tokens.make_token(current_app.config["SECRET_KEY"], user)
    return jsonify(
        token=value,
        expires_in=current_app.config["TOKEN_MAX_AGE_SECONDS"],
        user={"id": actor.id, "name": actor.name, "role": actor.role},
    )


@bp.get("/sw.js")
def service_worker():
    """The service worker, from /m/ so that its scope is the app (a file under /static/ could only
    govern /static/).  Revalidated on every load: a new version takes over at once."""
    script = (STATIC / "sw.js").read_bytes()
    headers = {"Service-Worker-Allowed": url_for("field.home")}
    return current_app.response_class(script, mimetype="text/javascript", headers=headers)


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": gettext("GridFlow field app"),
        "short_name": "GridFlow",
        "start_url": url_for("field.home"),
        "scope": url_for("field.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f8a",
        "icons": [{"src": url_for("static", filename="img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
