"""Bearer tokens: POST /api/v1/auth/token {username, password}."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from gridflow.api import bp
from gridflow.cases.validate import obj, secret, text
from gridflow.db import get_db
from gridflow.errors import Invalid, Unauthorized
from gridflow.people import users


def json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("the body must be JSON (Content-Type: application/json)", field="body")
    return obj(data, "body")


@bp.post("/auth/token")
def token():
    body = json_body()
    username, password = text(body, "username", max_len=64), secret(body, "password")
    with get_db().session() as s:
        user = users.authenticate(s, username, password)
        return {
            "token": users.make_token(current_app.config["SECRET_KEY"], user),
            "token_type": "Bearer",
            "expires_in": current_app.config["TOKEN_MAX_AGE_SECONDS"],
            "user": {"id": user.id, "username": user.username, "name": user.display_name, "role": user.role},
        }


def login_required(view):
    """Resolves the bearer token to `g.actor` (the workflow's view of the caller)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("send Authorization: Bearer <token> (POST /api/v1/auth/token)")
        with get_db().lookup() as conn:
            g.actor = users.actor_for_token(
                conn, current_app.config["SECRET_KEY"], header[7:].strip(), current_app.config["TOKEN_MAX_AGE_SECONDS"]
            )
        return view(*args, **kwargs)

    return wrapper
