"""Logging in and out, and changing one's own password: one service for the API and the pages.

Guessing is throttled per user name and per client address, in the database (so every gunicorn
worker sees the same counts): after LOGIN_MAX_FAILURES_PER_USER failures for one name, or
LOGIN_MAX_FAILURES_PER_CLIENT from one address, within LOGIN_WINDOW_SECONDS of the first, every
attempt is refused (429, `Retry-After`) until that window has passed, the right password included.
The throttle is read before any password is checked, so a refused attempt costs no Argon2 work; and
each worker remembers until when a name or address is held up (a hold only ever ends with time, so
the memory cannot go stale), so that during a flood a refused attempt costs no database read either.  A user name that does not
exist costs what an existing one does (the password is checked against a dummy hash, the failure is
counted and logged the same way).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import and_, case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridflow.audit.log import Caller, record
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import N_, Invalid, TooManyAttempts, Unauthorized
from gridflow.hashchain import KeyRing
from gridflow.models import LoginThrottle, User
from gridflow.people.passwords import check_password_rule, hash_password, password_matches, storable
from gridflow.people.tokens import bump_token_version
from gridflow.workflow.rules import Actor

USER, CLIENT = "user", "client"
# Per database (the test suite makes many), per worker: (kind, key) -> when its hold ends.
_HELD: WeakKeyDictionary[Database, dict[tuple[str, str], datetime]] = WeakKeyDictionary()
HELD_REMEMBERED = 10_000  # beyond this many, holds that have ended are forgotten first


@dataclass(frozen=True)
class Throttle:
    window_s: int = 900
    per_user: int = 5
    per_client: int = 20

    @classmethod
    def from_config(cls, config: Mapping) -> Throttle:
        return cls(
            config["LOGIN_WINDOW_SECONDS"],
            config["LOGIN_MAX_FAILURES_PER_USER"],
            config["LOGIN_MAX_FAILURES_PER_CLIENT"],
        )

    def limit(self, kind: str) -> int:
        return self.per_user if kind == USER else self.per_client


def _keys(username: str, client: str | None) -> list[tuple[str, str]]:
    return [(USER, username.casefold()[:200]), (CLIENT, (client or "-")[:200])]


def _held_until(db: Database, throttle: Throttle, keys: list[tuple[str, str]], now: datetime) -> datetime | None:
    """When the latest hold on these keys ends (None: not held).  Remembered holds first; else the
    database, and what it says is remembered."""
    held = _HELD.setdefault(db, {})
    remembered = [held[k] for k in keys if k in held and held[k] > now]
    if remembered:
        return max(remembered)
    with db.lookup() as conn:
        rows = conn.execute(
            select(LoginThrottle.kind, LoginThrottle.key, LoginThrottle.started_at, LoginThrottle.failures).where(
                or_(*(and_(LoginThrottle.kind == kind, LoginThrottle.key == key) for kind, key in keys))
            )
        ).all()
    ends = []
    for kind, key, started_at, failures in rows:
        end = started_at + timedelta(seconds=throttle.window_s)
        if failures >= throttle.limit(kind) and end > now:
            if len(held) >= HELD_REMEMBERED:
                for old in [k for k, until in held.items() if until <= now] or list(held):
                    del held[old]
            held[(kind, key)] = end
            ends.append(end)
    return max(ends, default=None)


def _refuse_if_throttled(db: Database, throttle: Throttle, keys: list[tuple[str, str]], now: datetime) -> None:
    until = _held_until(db, throttle, keys, now)
    if until is not None:
        seconds = math.ceil((until - now).total_seconds())
        raise TooManyAttempts(
            N_("Too many failed attempts: try again in %(minutes)d minutes"),
            retry_after=seconds,
            params={"minutes": math.ceil(seconds / 60)},
        )


def _count_failure(s: Session, throttle: Throttle, keys: list[tuple[str, str]], now: datetime) -> list[str]:
    """Count one failure for each key (a window that has passed starts again); the kinds of key whose
    limit this one reached (the attempts after it are refused)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    expired = LoginThrottle.started_at <= now - timedelta(seconds=throttle.window_s)
    reached = []
    for kind, key in keys:
        stmt = (
            insert(LoginThrottle)
            .values(kind=kind, key=key, started_at=now, failures=1)
            .on_conflict_do_update(
                index_elements=["kind", "key"],
                set_={
                    "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                    "started_at": case((expired, now), else_=LoginThrottle.started_at),
                },
            )
            .returning(LoginThrottle.failures)
        )
        if s.execute(stmt).scalar_one() == throttle.limit(kind):
            reached.append(kind)
    s.execute(delete(LoginThrottle).where(LoginThrottle.started_at < now - timedelta(seconds=throttle.window_s)))
    return reached


def log_in(
    db: Database,
    throttle: Throttle,
    keys: KeyRing,
    username: str,
    password: str,
    client: str | None,
    now: datetime | None = None,
) -> User:
    """The active user with this name and password, if not throttled.  A password is checked as typed
    (never trimmed).  Every attempt that gets as far as a password check is in the audit log."""
    if not username or not username.strip():
        raise Invalid(N_("Enter your user name"), field="username")
    if not password:
        raise Invalid(N_("Enter your password"), field="password")
    name = username.strip()
    if len(name) > 64 or not storable(name) or not storable(password):
        raise Unauthorized(N_("Wrong user name or password"), field="password")  # no such name can exist
    now = now or utcnow()
    counted = _keys(name, client)
    _refuse_if_throttled(db, throttle, counted, now)
    with db.lookup() as conn:
        found = conn.execute(
            select(User.id, User.password_hash, User.display_name).where(User.username == name, User.active.is_(True))
        ).first()
    ok = password_matches(found.password_hash if found else None, password)  # the same time either way
    actor = Actor(found.id if found else None, found.display_name if found else name, "", username=name)
    caller = Caller(actor, keys, client)
    with db.session(write=True) as s:
        if ok and found is not None:
            s.execute(delete(LoginThrottle).where(LoginThrottle.kind == USER, LoginThrottle.key == counted[0][1]))
            record(s, caller, "login.success", f"user:{name}", now=now)
            user = s.get(User, found.id)
            assert user is not None
            return user
        throttled = _count_failure(s, throttle, counted, now)
        record(s, caller, "login.failure", f"user:{name}", {"known": found is not None}, now=now)
        if throttled:
            data = {"by": throttled, "window_s": throttle.window_s}
            record(s, caller, "login.throttled", f"user:{name}", data, now=now)
    raise Unauthorized(N_("Wrong user name or password"), field="password")


def log_out(db: Database, caller: Caller) -> None:
    """End every token and web session of the caller (the server keeps no list of them: they carry the
    token version, which moves on)."""
    with db.session(write=True) as s:
        bump_token_version(s, [caller.actor.id])
        record(s, caller, "logout", f"user:{caller.name}")


def change_password(db: Database, caller: Caller, throttle: Throttle, old_password: str, new_password: str) -> User:
    """A user changes his own password (he proves the old one; wrong old passwords count as failed
    logins).  Every token and web session issued before ends (the token version moves on): the
    caller gets a new token or session from the returned user."""
    if not old_password:
        raise Invalid(N_("Enter your current password"), field="old_password")
    if not new_password:
        raise Invalid(N_("Enter a new password"), field="new_password")
    name = caller.name
    counted = _keys(name, caller.client)
    now = utcnow()
    _refuse_if_throttled(db, throttle, counted, now)
    with db.session() as s:
        user = s.get(User, caller.actor.id) if caller.actor.id is not None else None
        if user is None or not user.active:
            raise Unauthorized(N_("Your session has ended: log in again"))
        stored = user.password_hash
    if not (storable(old_password) and password_matches(stored, old_password)):
        with db.session(write=True) as s:
            _count_failure(s, throttle, counted, now)
            record(s, caller, "login.failure", f"user:{name}", {"known": True, "changing_password": True}, now=now)
        raise Invalid(N_("The current password is wrong"), field="old_password")
    check_password_rule(user.username, new_password, field="new_password")
    if new_password == old_password:
        raise Invalid(N_("The new password must differ from the current one"), field="new_password")
    with db.session(write=True) as s:
        user = s.get(User, user.id)
        assert user is not None
        user.password_hash = hash_password(new_password)
        user.token_version += 1
        record(s, caller, "password.change", f"user:{user.username}", now=now)
        s.flush()
        return user
