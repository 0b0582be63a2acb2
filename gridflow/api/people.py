"""Administering people over HTTP (admins only): users, workers, grid ownership.  The same services
as `gridflow user …` and the admin pages (gridflow.people.accounts, gridflow.people.workers)."""

from __future__ import annotations

from gridflow.api import bp
from gridflow.api.auth import admin_required, caller
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.people import accounts, workers
from gridflow.schemas.people import (
    GridOwnerInput,
    GridOwnerView,
    PasswordReset,
    UserCreate,
    UserDetail,
    UserPage,
    UserPatch,
    UserSearch,
    WorkerCreate,
    WorkerPage,
    WorkerSearch,
    WorkerView,
)

# Not <int(max=…)>: werkzeug answers 405 instead of 404 when a bounded id fails on a path that takes
# several methods.  Ids beyond the database's range are "no such user" in the service.
USER_ID = "<int:user_id>"
ADMIN_ERRORS = (403,)
TAGS = ("people",)


@bp.get("/users")
@admin_required
@api_route(200, UserPage, query=UserSearch, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def list_users(query: UserSearch):
    """Users by name, filtered by role, area (a division and below, grid workers by their grids),
    active, and part of the name."""
    return accounts.list_users(get_db(), caller(), query)


@bp.post("/users")
@admin_required
@api_route(201, UserDetail, body=UserCreate, errors=(*ADMIN_ERRORS, 404, 409), tags=TAGS)
def create_user(body: UserCreate):
    """A new account (a name that exists: 409).  A grid worker given grids owns them from now on;
    with `staff_no` the account stands for that imported worker."""
    return accounts.create_user(get_db(), caller(), body), 201


@bp.get(f"/users/{USER_ID}")
@admin_required
@api_route(200, UserDetail, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def get_user(user_id: int):
    """One user: role, area, worker record and grids, contact details."""
    return accounts.get_user(get_db(), caller(), user_id)


@bp.patch(f"/users/{USER_ID}")
@admin_required
@api_route(200, UserDetail, body=UserPatch, errors=(*ADMIN_ERRORS, 404, 409), tags=TAGS)
def update_user(user_id: int, body: UserPatch):
    """Change role, name, area, grids, e-mail, phone.  Role, area and grids end his tokens and sessions."""
    return accounts.update_user(get_db(), caller(), user_id, body)


@bp.post(f"/users/{USER_ID}/disable")
@admin_required
@api_route(200, UserDetail, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def disable_user(user_id: int):
    """Disable a user: his tokens and sessions end at once, logging in is refused."""
    return accounts.set_active(get_db(), caller(), user_id, False)


@bp.post(f"/users/{USER_ID}/enable")
@admin_required
@api_route(200, UserDetail, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def enable_user(user_id: int):
    """Enable a disabled user again."""
    return accounts.set_active(get_db(), caller(), user_id, True)


@bp.post(f"/users/{USER_ID}/password")
@admin_required
@api_route(200, UserDetail, body=PasswordReset, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def reset_password(user_id: int, body: PasswordReset):
    """Set a user's password (at least 10 characters, not the user name); his tokens and sessions end."""
    return accounts.reset_password(get_db(), caller(), user_id, body.password)


@bp.get("/workers")
@admin_required
@api_route(200, WorkerPage, query=WorkerSearch, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def list_workers(query: WorkerSearch):
    """Five-in-one grid workers with their grids and account."""
    return workers.list_workers(get_db(), caller(), query)


@bp.post("/workers")
@admin_required
@api_route(201, WorkerView, body=WorkerCreate, errors=(*ADMIN_ERRORS, 409), tags=TAGS)
def create_worker(body: WorkerCreate):
    """A new worker record (staff number, name, phone)."""
    return workers.create_worker(get_db(), caller(), body), 201


@bp.put("/grids/<code>/worker")
@admin_required
@api_route(200, GridOwnerView, body=GridOwnerInput, errors=(*ADMIN_ERRORS, 404), tags=TAGS)
def change_grid_owner(code: str, body: GridOwnerInput):
    """Hand a grid to another worker (`staff_no`, or null for nobody); the accounts of both end their
    tokens and sessions."""
    return workers.change_grid_owner(get_db(), caller(), code, body)
