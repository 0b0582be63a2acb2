"""People: user accounts (roles, the division they act for, the worker they are), and the counters of
failed logins that throttle guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflow.models.base import Base
from gridflow.models.spatial import Division, Worker


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # grid_worker|mediator|supervisor|admin
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Tokens and web sessions carry the version they were issued under; everything that must end them
    # at once bumps it (a new password, disabling, a change of role, area or grids, logging out).
    token_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # For notifications (issue: notices); shown to administrators only.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))

    division: Mapped[Division | None] = relationship()
    worker: Mapped[Worker | None] = relationship()


class LoginThrottle(Base):
    """Failed logins of one user name (`kind` "user") or from one client address ("client") since
    `started_at`, the start of the current window (gridflow.people.login).  One row per key, shared by
    every web worker; rows whose window has passed are pruned as failures come in."""

    __tablename__ = "login_throttle"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer)
