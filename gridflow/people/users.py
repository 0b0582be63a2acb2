"""Users, passwords and tokens; the `Actor` the workflow rules check."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from gridflow.db import Database
from gridflow.errors import N_, Invalid, NotFound, Unauthorized
from gridflow.hotpath import HotStatement, rows_of_each
from gridflow.models import Division, Grid, User, Worker
from gridflow.workflow.rules import GRID_WORKER, ROLES, Actor

# Production cost parameters (argon2-cffi defaults); the test suite swaps in a cheap hasher.
_hasher = PasswordHasher()
TOKEN_SALT = "gridflow-api-token"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200


def add_user(
    session: Session,
    username: str,
    role: str,
    division_code: str | None = None,
    grid_codes: list[str] | None = None,
    password: str | None = None,
    display_name: str | None = None,
) -> tuple[User, str]:
    """Create a user (or update an existing one by username); returns it with its password."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    if not username or len(username) > 64:
        raise Invalid("username must be 1 to 64 characters", field="username")
    division = None
    if division_code:
        division = session.scalars(select(Division).where(Division.code == division_code)).first()
        if division is None:
            raise NotFound(f"no division with code {division_code}", field="division")
    if role in ("mediator", "supervisor") and division is None:
        raise Invalid(f"a {role} acts for a division: give --division", field="division")
    grids = []
    for code in grid_codes or []:
        grid = session.scalars(select(Grid).where(Grid.code == code)).first()
        if grid is None:
            raise NotFound(f"no grid with code {code}", field="grids")
        grids.append(grid)
    if grids and role != GRID_WORKER:
        raise Invalid("only a grid worker owns grids", field="grids")
    password = password or secrets.token_urlsafe(9)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username)
        session.add(user)
    user.display_name = display_name or user.display_name or username
    user.role, user.division, user.active = role, division, True
    user.password_hash = _hasher.hash(password)
    if role == GRID_WORKER and grids:
        # The user becomes the owning five-in-one worker of these grids.
        worker = user.worker or session.scalars(select(Worker).where(Worker.staff_no == username)).first()
        if worker is None:
            worker = Worker(staff_no=username, name=user.display_name)
            session.add(worker)
        user.worker = worker
        for grid in grids:
            grid.worker = worker
    session.flush()
    return user, password


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this name and password.  A password is checked as typed (never trimmed)."""
    if not username or not username.strip():
        raise Invalid(N_("Enter your user name"), field="username")
    if not password:
        raise Invalid(N_("Enter your password"), field="password")
    user = session.scalars(select(User).where(User.username == username.strip(), User.active.is_(True))).first()
    if user is None or not _password_matches(user.password_hash, password):
        raise Unauthorized(N_("Wrong user name or password"), field="password")
    return user


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def check_password_rule(username: str, password: str, field: str = "password") -> None:
    """The one password rule (pages, API, CLI): at least PASSWORD_MIN_LENGTH characters and not the
    user name.  A password is taken as typed, never trimmed: spaces count."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(
            N_("The password must be at least %(min)d characters long"),
            field=field,
            params={"min": PASSWORD_MIN_LENGTH},
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(
            N_("The password must be at most %(max)d characters long"),
            field=field,
            params={"max": PASSWORD_MAX_LENGTH},
        )
    if password.strip().casefold() == username.strip().casefold():
        raise Invalid(N_("The password must not be the user name"), field=field)


def change_password(db: Database, user_id: int, old_password: str, new_password: str) -> User:
    """A user changes his own password (he proves the old one).  Every token and web session issued
    under the old one stops working (see `credential_stamp`)."""
    with db.session(write=True) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise Unauthorized(N_("Your session has ended: log in again"))
        if not old_password:
            raise Invalid(N_("Enter your current password"), field="old_password")
        if not _password_matches(user.password_hash, old_password):
            raise Invalid(N_("The current password is wrong"), field="old_password")
        if not new_password:
            raise Invalid(N_("Enter a new password"), field="new_password")
        check_password_rule(user.username, new_password, field="new_password")
        if new_password == old_password:
            raise Invalid(N_("The new password must differ from the current one"), field="new_password")
        user.password_hash = _hasher.hash(new_password)
        return user


def credential_stamp(password_hash: str) -> str:
    """What a token or a web session is bound to: when it changes, they stop working.  Today the tail
    of the password hash, so a new password ends them all.  Issue 8 replaces it with a per-user token
    version (bumped also by disabling, role, area and grid changes): change it here and in
    `_current_actor`'s query, and tokens and sessions both follow."""
    return password_hash[-16:]


def make_token(secret: str, user: User) -> str:
    # The token carries the credential stamp it was issued under: when that changes, it is revoked.
    return _serializer(secret).dumps({"u": user.id, "p": credential_stamp(user.password_hash)})


@lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT)


_TOKEN_USER = HotStatement(  # every authenticated request
    "auth.token_user",
    select(
        User.id,
        User.display_name,
        User.role,
        User.division_id,
        Division.level,
        User.worker_id,
        User.password_hash,
        Division.name,
    )
    .outerjoin(Division, User.division_id == Division.id)
    # Disabled users are filtered here: a Boolean would come back as 1/0 on SQLite (hotpath refuses it).
    .where(User.id == bindparam("uid"), User.active.is_(True)),
)
# The grids a grid worker owns, read afresh on every request (no cache to go stale); by user id, so it
# needs nothing from the first query and travels with it (one round trip on PostgreSQL).
_USER_GRIDS = HotStatement(
    "auth.user_grids", select(Grid.id).join(User, User.worker_id == Grid.worker_id).where(User.id == bindparam("uid"))
)


def actor_for_token(conn: Connection, secret: str, token: str, max_age: int) -> Actor:
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Unauthorized("token expired: ask for a new one") from None
    except BadSignature:
        raise Unauthorized("invalid token") from None
    uid = data.get("u") if isinstance(data, dict) else None
    actor = _current_actor(conn, uid, data.get("p")) if isinstance(uid, int) else None
    if actor is None:
        raise Unauthorized("invalid token")
    return actor


def actor_for_session(conn: Connection, uid: object, stamp: object) -> Actor:
    """The user of a web session (its cookie is signed and dated by Flask: `uid` and `stamp` are what
    the login put there)."""
    actor = _current_actor(conn, uid, stamp) if isinstance(uid, int) else None
    if actor is None:
        raise Unauthorized(N_("Your session has ended: log in again"))
    return actor


def _current_actor(conn: Connection, uid: int, stamp: object) -> Actor | None:
    """Who user `uid` is now: read afresh on every request, for API tokens and web sessions alike.
    None when the account is gone or disabled, or its credentials changed since `stamp` was issued."""
    user_rows, grid_rows = rows_of_each(conn, [(_TOKEN_USER, {"uid": uid}), (_USER_GRIDS, {"uid": uid})])
    if not user_rows:
        return None
    uid, name, role, division_id, level, worker_id, password_hash, division_name = user_rows[0]
    if credential_stamp(password_hash) != stamp:
        return None
    grids = frozenset(r[0] for r in grid_rows)
    return Actor(uid, name, role, division_id, level, worker_id, grids, division_name)
