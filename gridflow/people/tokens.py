"""API tokens and web sessions: both carry the user's id and token version, and both resolve to the
`Actor` through the same query on every request.

The token version (`user_account.token_version`) is bumped by everything that must end a user's
tokens and sessions at once: a new password, disabling him, a change of role, area or grids, logging
out.  A token or session issued under an older version is refused at its next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from gridflow.errors import N_, Unauthorized
from gridflow.hotpath import HotStatement, rows_of_each
from gridflow.models import Division, Grid, User
from gridflow.workflow.rules import Actor

TOKEN_SALT = "gridflow-api-token"


def credential_stamp(user: User) -> int:
    """What a token or a web session is bound to: the user's token version when it was issued."""
    return user.token_version


def bump_token_version(session: Session, user_ids: Iterable[int | None]) -> None:
    """End every token and web session of these users (at their next request)."""
    ids = sorted({i for i in user_ids if i is not None})
    if ids:
        session.execute(
            update(User).where(User.id.in_(ids)).values(token_version=User.token_version + 1),
            execution_options={"synchronize_session": "fetch"},
        )


def make_token(secret: str, user: User) -> str:
    return _serializer(secret).dumps({"u": user.id, "v": credential_stamp(user)})


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
        User.token_version,
        Division.name,
        User.username,
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
    actor = _current_actor(conn, uid, data.get("v")) if isinstance(uid, int) else None
    if actor is None:
        raise Unauthorized("invalid token: revoked, or the account changed (log in again)")
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
    None when the account is gone or disabled, or its token version moved on since `stamp`."""
    user_rows, grid_rows = rows_of_each(conn, [(_TOKEN_USER, {"uid": uid}), (_USER_GRIDS, {"uid": uid})])
    if not user_rows:
        return None
    uid, name, role, division_id, level, worker_id, token_version, division_name, username = user_rows[0]
    if isinstance(stamp, bool) or stamp != token_version:
        return None
    grids = frozenset(r[0] for r in grid_rows)
    return Actor(uid, name, role, division_id, level, worker_id, grids, division_name, username)
