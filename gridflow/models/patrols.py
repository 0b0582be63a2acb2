"""Patrols (巡查): a grid worker's walk, its positions and the entities visited.  Nothing is kept
outside a patrol."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base

OPEN_SQL = text("ended_at IS NULL")
CLIENT_ID_SQL = text("client_id IS NOT NULL")


class Patrol(Base):
    __tablename__ = "patrol"
    __table_args__ = (
        Index("ix_patrol_user_started", "user_id", "started_at"),
        # One patrol under way per worker (two phones, or a retried start, cannot open a second).
        Index("ix_patrol_open", "user_id", unique=True, postgresql_where=OPEN_SQL, sqlite_where=OPEN_SQL),
        Index(
            "ix_patrol_client",
            "user_id",
            "client_id",
            unique=True,
            postgresql_where=CLIENT_ID_SQL,
            sqlite_where=CLIENT_ID_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)  # the phone's time (naive UTC)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    client_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PatrolPoint(Base):
    __tablename__ = "patrol_point"
    __table_args__ = (Index("ix_patrol_point_patrol_at", "patrol_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)  # the phone's time of the fix
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # The grid the fix lies in, found when it arrives (a day's log then needs no spatial query).
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))


class PatrolBatch(Base):
    """A batch of positions as the phone sent it: a batch sent again (same client id) is taken once."""

    __tablename__ = "patrol_batch"
    __table_args__ = (UniqueConstraint("patrol_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    points: Mapped[int] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer)


class PatrolVisit(Base):
    __tablename__ = "patrol_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id", ondelete="SET NULL"), index=True)
    entity_ref: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    # How the worker met the entity: "details" (opened it on the map) or "report" (reported a case
    # at it); and how far the phone stood from it then, by its own position (None: none was known).
    how: Mapped[str | None] = mapped_column(String(10))
    distance_m: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
