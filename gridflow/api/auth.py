"""Bearer tokens: POST /api/v1/auth/token {username, password}."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from gridflow.api import bp
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.errors import Unauthorized
from gridflow.people import users
from gridflow.schemas.auth import LoginInput, TokenOut, UserView


@bp.post("/auth/token")
@api_route(200, TokenOut, body=LoginInput, login=False, errors=(401,), tags=("auth",))
def token(body: LoginInput):
    """A bearer token for a username and password (it dies with a password change)."""
    with get_db().session() as s:
        user = users.authenticate(s, body.username, body.password)
        return TokenOut(
            token=users.make_token(current_app.config["SECRET_KEY"], user),
            token_type="Bearer",
            expires_in=current_app.config["TOKEN_MAX_AGE_SECONDS"],
            user=UserView(id=user.id, username=user.username, name=user.display_name, role=user.role),
        )


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
