"""What the health check reads besides the schema: when the periodic jobs last ran."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base


class Heartbeat(Base):
    """One row per periodic job (the scheduler's sweep): when it last finished, where, and its result."""

    __tablename__ = "heartbeat"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, like every stored time
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text)
