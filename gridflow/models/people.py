"""People: user accounts (roles, the division they act for, the worker they are)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
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

    division: Mapped[Division | None] = relationship()
    worker: Mapped[Worker | None] = relationship()
