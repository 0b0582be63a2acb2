"""People over HTTP (and the command line): users, workers, grid ownership; logging out and changing
one's own password.  Administration is for admins (and the server's command line)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from gridflow.errors import N_
from gridflow.schemas.cases import Paging, Phone
from gridflow.schemas.common import GridCode, Input, Name, Output, Page, Ref, optional, text

USERNAME_PATTERN = r"^[\w.@-]+$"
Username = text(64, USERNAME_PATTERN, N_("may hold letters, digits and . _ @ - only"))
RoleName = Literal["grid_worker", "mediator", "supervisor", "admin"]
Email = text(254, r"^[^@\s]+@[^@\s]+\.[^@\s]+$", N_("must be an e-mail address (name@example.cn)"))
StaffNo = text(32)
DivisionCode = text(12, r"^\d{6}(\d{3}(\d{3})?)?$", N_("must be a division code (6, 9 or 12 digits)"))
# Taken as typed (never trimmed); the rule (length, not the user name) is the service's.
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Grids = Annotated[list[GridCode], Field(max_length=500)]


# -- inputs -----------------------------------------------------------------------------------------
class UserCreate(Input):
    """A new account.  Mediators and supervisors act for a division; a grid worker owns grids: with
    `staff_no` the account is linked to that (imported) worker, else a worker record is made for him
    when he is given grids."""

    username: Username
    role: RoleName
    password: Password
    name: optional(Name) = Field(None, description="full name shown in timelines (default: the user name)")
    division: optional(DivisionCode) = None
    grids: Grids = []
    staff_no: optional(StaffNo) = None
    email: optional(Email) = None
    phone: optional(Phone) = None


class UserPatch(Input):
    """Change what is given; `null` clears `division`, `email`, `phone`.  Role, area and grids end the
    user's tokens and sessions (he logs in again)."""

    role: RoleName | None = None
    name: Name | None = None
    division: optional(DivisionCode) = None
    grids: Grids | None = None
    email: optional(Email) = None
    phone: optional(Phone) = None


class PasswordReset(Input):
    password: Password


class PasswordChange(Input):
    old_password: Password
    new_password: Password


class UserSearch(Paging):
    role: RoleName | None = None
    division: DivisionCode | None = Field(
        None, description="users acting for this division or below, or owning grids in it"
    )
    active: bool | None = None
    q: text(64) | None = Field(None, description="part of the user name or name")


class WorkerCreate(Input):
    staff_no: StaffNo
    name: Name
    phone: optional(Phone) = None


class WorkerSearch(Paging):
    division: DivisionCode | None = Field(None, description="workers owning grids in this division")
    q: text(64) | None = Field(None, description="part of the staff number or name")


class GridOwnerInput(Input):
    """The worker who owns the grid from now on (`null`: nobody)."""

    staff_no: optional(StaffNo) = None


# -- outputs ----------------------------------------------------------------------------------------
class WorkerRef(Output):
    staff_no: str
    name: str


class AccountRef(Output):
    id: int
    username: str


class UserDetail(Output):
    id: int
    username: str
    name: str
    role: str
    active: bool
    division: Ref | None
    worker: WorkerRef | None
    grids: list[Ref]
    email: str | None
    phone: str | None


class UserPage(Page[UserDetail]):
    pass


class WorkerView(Output):
    staff_no: str
    name: str
    phone: str | None
    grids: list[Ref]
    account: AccountRef | None


class WorkerPage(Page[WorkerView]):
    pass


class GridOwnerView(Output):
    grid: Ref
    worker: WorkerRef | None
    previous: WorkerRef | None
