"""User accounts: the rules of a role, its area and grids, and creating an account (the one way, for
the admin API and pages, the command line, the demo and the tests).

Logging in and out and changing one's own password are in `people.login`, tokens and web sessions in
`people.tokens`, passwords in `people.passwords`, administration (with its audit) in `people.accounts`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridflow.errors import N_, Conflict, Invalid, NotFound
from gridflow.models import Division, Grid, User, Worker
from gridflow.people.passwords import check_password_rule, hash_password
from gridflow.people.workers import OwnerChange, find_grids, find_worker, set_grids
from gridflow.schemas.common import DB_INT_MAX
from gridflow.schemas.people import USERNAME_PATTERN
from gridflow.workflow.rules import GRID_WORKER, MEDIATOR, ROLES, SUPERVISOR


def find_user(session: Session, ref: int | str) -> User:
    """A user by id (an int) or user name (a str)."""
    if isinstance(ref, int):
        user = session.get(User, ref) if 1 <= ref <= DB_INT_MAX else None
    else:
        user = session.scalars(select(User).where(User.username == ref)).first()
    if user is None:
        raise NotFound(N_("no user %(ref)s"), field="user", params={"ref": ref})
    return user


def find_division(session: Session, code: str | None) -> Division | None:
    if not code:
        return None
    division = session.scalars(select(Division).where(Division.code == code)).first()
    if division is None:
        raise NotFound(N_("no division with code %(code)s"), field="division", params={"code": code})
    return division


def check_role(role: str, division: Division | None, has_grids: bool) -> None:
    """What a role needs: mediators and supervisors act for a division; only grid workers own grids."""
    if role not in ROLES:
        raise Invalid(N_("role must be one of %(roles)s"), field="role", params={"roles": ", ".join(ROLES)})
    if role in (MEDIATOR, SUPERVISOR) and division is None:
        raise Invalid(N_("a %(role)s acts for a division: give --division"), field="division", params={"role": role})
    if has_grids and role != GRID_WORKER:
        raise Invalid(N_("only a grid worker owns grids"), field="grids")


def worker_for(session: Session, user: User, staff_no: str | None = None) -> Worker:
    """The worker record a grid worker's account stands for: the one with `staff_no` (an imported
    worker; refused if another account is his), else his own, else one with his user name as staff
    number (made if there is none) — so grids with no imported worker can still be his."""
    if staff_no:
        worker = find_worker(session, staff_no)
    elif user.worker is not None:
        return user.worker
    else:
        same_name = session.scalars(select(Worker).where(Worker.staff_no == user.username)).first()
        if same_name is None:
            made = Worker(staff_no=user.username, name=user.display_name)
            session.add(made)
            session.flush()
            return made
        worker = same_name
    other = session.scalars(select(User.username).where(User.worker_id == worker.id, User.id != user.id)).first()
    if other is not None:
        raise Conflict(
            N_("worker %(no)s is already the account %(other)s"),
            field="staff_no",
            params={"no": worker.staff_no, "other": other},
        )
    return worker


def create_account(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    division_code: str | None = None,
    grid_codes: list[str] | None = None,
    display_name: str | None = None,
    staff_no: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> tuple[User, list[OwnerChange]]:
    """A new account (refused if the name exists) and the grid ownership it changed."""
    if not username or len(username) > 64 or not re.fullmatch(USERNAME_PATTERN, username):
        raise Invalid(N_("username: 1 to 64 letters, digits and . _ @ - only"), field="username")
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(
            N_("user %(name)s exists (change it with `gridflow user set`)"), field="username", params={"name": username}
        )
    check_password_rule(username, password)
    division = find_division(session, division_code)
    grids = find_grids(session, grid_codes or [])
    check_role(role, division, bool(grids))
    if staff_no and role != GRID_WORKER:
        raise Invalid(N_("only a grid worker stands for a worker record"), field="staff_no")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        division=division,
        active=True,
        token_version=1,
        email=email,
        phone=phone,
    )
    session.add(user)
    changes: list[OwnerChange] = []
    if staff_no or grids:
        user.worker = worker_for(session, user, staff_no)
        if staff_no and not display_name:
            user.display_name = user.worker.name
        session.flush()
        if grids:
            changes = set_grids(session, user.worker, grids + _owned(session, user.worker))
    session.flush()
    return user, changes


def _owned(session: Session, worker: Worker) -> list[Grid]:
    return list(session.scalars(select(Grid).where(Grid.worker_id == worker.id)))


def add_user(
    session: Session,
    username: str,
    role: str,
    division_code: str | None = None,
    grid_codes: list[str] | None = None,
    password: str | None = None,
    display_name: str | None = None,
    staff_no: str | None = None,
) -> User:
    """Create an account inside the caller's transaction, without an audit entry: for the demo, the
    tests and benchmarks.  Everything a person does goes through `people.accounts` (audited)."""
    if password is None:
        raise Invalid(N_("a password is required"), field="password")
    user, _ = create_account(
        session,
        username,
        role,
        password,
        division_code=division_code,
        grid_codes=grid_codes,
        display_name=display_name,
        staff_no=staff_no,
    )
    return user
