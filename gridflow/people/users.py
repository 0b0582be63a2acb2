"""Users, passwords and tokens; the `Actor` the workflow rules check."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from gridflow.errors import Invalid, NotFound, Unauthorized
from gridflow.hotpath import HotStatement, rows_of_each
from gridflow.models import Division, Grid, User, Worker
from gridflow.workflow.rules import GRID_WORKER, ROLES, Actor

# Production cost parameters (argon2-cffi defaults); the test suite swaps in a cheap hasher.
_hasher = PasswordHasher()
TOKEN_SALT = "gridflow-api-token"


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
    user = session.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    try:
        if user is None:
            raise VerifyMismatchError()
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        raise Unauthorized("wrong username or password") from None
    return user


def make_token(secret: str, user: User) -> str:
    # The token names the password hash it was issued under: changing the password revokes it.
    return _serializer(secret).dumps({"u": user.id, "p": user.password_hash[-16:]})


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
    if not isinstance(uid, int):
        raise Unauthorized("invalid token")
    user_rows, grid_rows = rows_of_each(conn, [(_TOKEN_USER, {"uid": uid}), (_USER_GRIDS, {"uid": uid})])
    if not user_rows:
        raise Unauthorized("invalid token")
    uid, name, role, division_id, level, worker_id, password_hash = user_rows[0]
    if password_hash[-16:] != data.get("p"):
        raise Unauthorized("invalid token")
    return Actor(uid, name, role, division_id, level, worker_id, frozenset(r[0] for r in grid_rows))
