"""Bearer tokens: log in, log out, change one's own password; who the caller is (`g.actor`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

from gridflow.api import bp
from gridflow.api.spec import api_route
from gridflow.audit.log import Caller
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.errors import Forbidden, Unauthorized
from gridflow.models import User
from gridflow.people import login, tokens
from gridflow.schemas.auth import LoginInput, TokenOut, UserView
from gridflow.schemas.people import PasswordChange
from gridflow.workflow.rules import ADMIN


def throttle() -> login.Throttle:
    return login.Throttle.from_config(current_app.config)


def caller() -> Caller:
    """The authenticated caller as the services take him: actor, client address, the audit chain's keys."""
    return Caller(g.actor, chain_keys(current_app.config), request.remote_addr)


def _token_out(user: User) -> TokenOut:
    return TokenOut(
        token=tokens.make_token(current_app.config["SECRET_KEY"], user),
        token_type="Bearer",
        expires_in=current_app.config["TOKEN_MAX_AGE_SECONDS"],
        user=UserView(id=user.id, username=user.username, name=user.display_name, role=user.role),
    )


@bp.post("/auth/token")
@api_route(200, TokenOut, body=LoginInput, login=False, errors=(401, 429), tags=("auth",))
def token(body: LoginInput):
    """A bearer token for a user name and password.  After 5 failures for one name, or 20 from one
    address, within 15 minutes: 429 with Retry-After until the window has passed (the right password
    too).  The token dies with a password change, logging out, and changes of role, area or grids."""
    keys = chain_keys(current_app.config)
    user = login.log_in(get_db(), throttle(), keys, body.username, body.password, request.remote_addr)
    return _token_out(user)


def login_required(view):
    """Resolves the bearer token to `g.actor` (the workflow's view of the caller)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("send Authorization: Bearer <token> (POST /api/v1/auth/token)")
        with get_db().lookup() as conn:
            g.actor = tokens.actor_for_token(
                conn, current_app.config["SECRET_KEY"], header[7:].strip(), current_app.config["TOKEN_MAX_AGE_SECONDS"]
            )
        return view(*args, **kwargs)

    return wrapper


def role_required(*roles: str) -> Callable:
    """`@role_required(ADMIN)`: a valid token (401) of one of these roles (403), checked before the
    request is parsed."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if g.actor.role not in roles:
                raise Forbidden(f"only {' or '.join(roles)} may do this")
            return view(*args, **kwargs)

        return login_required(checked)

    return decorate


admin_required = role_required(ADMIN)


@bp.post("/auth/logout")
@login_required
@api_route(204, None, tags=("auth",))
def logout():
    """End every token (and web session) of the caller."""
    login.log_out(get_db(), caller())
    return "", 204


@bp.post("/auth/password")
@login_required
@api_route(200, TokenOut, body=PasswordChange, errors=(429,), tags=("auth",))
def change_password(body: PasswordChange):
    """Change one's own password (the old one proves it is you; wrong ones count as failed logins).
    Every earlier token and web session ends: the answer carries a new token."""
    user = login.change_password(get_db(), caller(), throttle(), body.old_password, body.new_password)
    return _token_out(user)
