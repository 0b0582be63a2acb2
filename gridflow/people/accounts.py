"""Administering users: the services behind `/api/v1/users`, `gridflow user …` and the admin pages.

Each function owns its transaction, checks that the caller is an administrator (or the server's
command line), and writes its audit entry in the same transaction as the change.  A change of role,
area or grids, disabling, and a new password end the user's tokens and sessions at once.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridflow.audit.log import Caller, record
from gridflow.db import Database
from gridflow.errors import N_, Forbidden
from gridflow.models import Grid, User
from gridflow.people.access import require_admin
from gridflow.people.passwords import check_password_rule, hash_password
from gridflow.people.users import check_role, create_account, find_division, find_user, worker_for
from gridflow.people.workers import (
    divisions_under,
    find_grids,
    owned_grids,
    record_owner_changes,
    set_grids,
    worker_ref,
)
from gridflow.schemas.common import Ref
from gridflow.schemas.people import UserCreate, UserDetail, UserPage, UserPatch, UserSearch
from gridflow.workflow.rules import ADMIN


def user_detail(s: Session, user: User, grids: list[Ref] | None = None) -> UserDetail:
    if grids is None:
        grids = owned_grids(s, [user.worker_id])[user.worker_id] if user.worker_id else []
    return UserDetail(
        id=user.id,
        username=user.username,
        name=user.display_name,
        role=user.role,
        active=user.active,
        division=Ref(code=user.division.code, name=user.division.name) if user.division else None,
        worker=worker_ref(user.worker),
        grids=grids,
        email=user.email,
        phone=user.phone,
    )


def get_user(db: Database, caller: Caller, ref: int | str) -> UserDetail:
    require_admin(caller.actor)
    with db.session() as s:
        return user_detail(s, find_user(s, ref))


def list_users(db: Database, caller: Caller, q: UserSearch) -> UserPage:
    """Users matching every filter given, by user name."""
    require_admin(caller.actor)
    with db.session() as s:
        stmt = select(User)
        if q.role:
            stmt = stmt.where(User.role == q.role)
        if q.active is not None:
            stmt = stmt.where(User.active.is_(q.active))
        if q.q:
            stmt = stmt.where(
                or_(User.username.contains(q.q, autoescape=True), User.display_name.contains(q.q, autoescape=True))
            )
        if q.division:
            under = divisions_under(s, q.division)
            owners = select(Grid.worker_id).where(Grid.community_id.in_(under))
            stmt = stmt.where(or_(User.division_id.in_(under), User.worker_id.in_(owners)))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        users = list(s.scalars(stmt.order_by(User.username).limit(q.per_page).offset((q.page - 1) * q.per_page)))
        grids = owned_grids(s, [u.worker_id for u in users if u.worker_id])
        items = [user_detail(s, u, grids.get(u.worker_id, []) if u.worker_id else []) for u in users]
        return UserPage(items=items, page=q.page, per_page=q.per_page, total=total)


def create_user(db: Database, caller: Caller, inp: UserCreate) -> UserDetail:
    """A new account; a name that exists is refused (409)."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        user, changes = create_account(
            s,
            inp.username,
            inp.role,
            inp.password,
            division_code=inp.division,
            grid_codes=list(inp.grids),
            display_name=inp.name,
            staff_no=inp.staff_no,
            email=inp.email,
            phone=inp.phone,
        )
        detail = user_detail(s, user)
        record(
            s,
            caller,
            "user.create",
            f"user:{user.username}",
            {
                "role": user.role,
                "division": detail.division.code if detail.division else None,
                "worker": detail.worker.staff_no if detail.worker else None,
                "grids": [g.code for g in detail.grids],
            },
        )
        record_owner_changes(s, caller, changes)
        return detail


def update_user(db: Database, caller: Caller, ref: int | str, patch: UserPatch) -> UserDetail:
    """Change what `patch` gives (see UserPatch).  Role, area and grids end his tokens and sessions."""
    require_admin(caller.actor)
    given = patch.model_fields_set
    with db.session(write=True) as s:
        user = find_user(s, ref)
        before = user_detail(s, user)
        role = patch.role if "role" in given and patch.role else user.role
        if user.id == caller.actor.id and role != ADMIN:
            raise Forbidden(N_("you cannot take away your own administrator role"), field="role")
        division = find_division(s, patch.division) if "division" in given else user.division
        grids = find_grids(s, list(patch.grids)) if "grids" in given and patch.grids is not None else None
        check_role(role, division, bool(grids))
        user.role, user.division = role, division
        for field, column in (("name", "display_name"), ("email", "email"), ("phone", "phone")):
            if field in given and (field != "name" or patch.name):
                setattr(user, column, getattr(patch, field))
        changes = []
        if grids:  # check_role made sure he is a grid worker
            user.worker = worker_for(s, user)
            s.flush()
        if grids is not None and user.worker is not None:
            changes = set_grids(s, user.worker, grids)
        s.flush()
        after = user_detail(s, user)
        diff = _differences(before, after)
        if {"role", "division", "grids"} & set(diff):
            user.token_version += 1
        if diff:
            record(s, caller, "user.update", f"user:{user.username}", diff)
        record_owner_changes(s, caller, changes)
        return after


def _differences(before: UserDetail, after: UserDetail) -> dict:
    old, new = _comparable(before), _comparable(after)
    return {k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]}


def _comparable(d: UserDetail) -> dict:
    return {
        "role": d.role,
        "name": d.name,
        "division": d.division.code if d.division else None,
        "grids": [g.code for g in d.grids],
        "email": d.email,
        "phone": d.phone,
    }


def set_active(db: Database, caller: Caller, ref: int | str, active: bool) -> UserDetail:
    """Disable (his tokens and sessions end at once, logging in is refused) or enable a user."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        user = find_user(s, ref)
        if not active and user.id == caller.actor.id:
            raise Forbidden(N_("you cannot disable your own account"), field="user")
        if user.active != active:
            user.active = active
            user.token_version += 1
            record(s, caller, "user.enable" if active else "user.disable", f"user:{user.username}")
        s.flush()
        return user_detail(s, user)


def reset_password(db: Database, caller: Caller, ref: int | str, password: str) -> UserDetail:
    """An administrator sets a user's password (it must meet the rule); his tokens and sessions end."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        user = find_user(s, ref)
        check_password_rule(user.username, password)
        user.password_hash = hash_password(password)
        user.token_version += 1
        record(s, caller, "user.password", f"user:{user.username}")
        s.flush()
        return user_detail(s, user)
