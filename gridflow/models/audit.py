"""The audit log: append-only, chained with the same keyed hash chain as case timelines
(gridflow.hashchain, scope "audit"), its anchor in a one-row table.  Database triggers refuse UPDATE
and DELETE on the log (migration 0013_identity); nothing in GridFlow changes or removes an entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.hashchain import GENESIS
from gridflow.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, … (the chain's order)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no foreign key: the log stands alone
    actor_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), index=True)  # login.success, user.update, personal.reveal, …
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address (None from the command line)
    subject: Mapped[str | None] = mapped_column(String(200))  # what it is about: "user:wang", "case:42", …
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))


class AuditAnchor(Base):
    """The audit chain's end (length, last hash, keyed seal): deleting the last entries shows."""

    __tablename__ = "audit_anchor"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    head: Mapped[str] = mapped_column(String(64), server_default=GENESIS)
    seal: Mapped[str | None] = mapped_column(String(80))
