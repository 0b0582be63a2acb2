"""The spatial model: divisions (city → county → street → community), grids, workers, entities.

Geometry columns are deferred: a county's boundary is thousands of vertices, and most loads of a
Division or Grid only want its code and name.  Queries that need geometry select the column.
"""

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflow.models.base import Base

SRID = 4326


class Division(Base):
    __tablename__ = "division"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)  # city|county|street|community
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True, nullable=False), deferred=True
    )

    parent: Mapped[Division | None] = relationship(remote_side=[id])


class Worker(Base):
    """The five-in-one grid worker (网格员 + 维稳信息员 + 调解员 + 安全生产员 + 治安管理员)."""

    __tablename__ = "worker"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))


class Grid(Base):
    __tablename__ = "grid"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="basic")  # basic|dedicated
    community_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True, nullable=False), deferred=True
    )

    community: Mapped[Division] = relationship()
    worker: Mapped[Worker | None] = relationship()


class Entity(Base):
    """Something a grid is responsible for: residence, shop, stationed unit or road."""

    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)  # residence|shop|unit|road
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    households: Mapped[int | None] = mapped_column(Integer)
    residents: Mapped[int | None] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=SRID, spatial_index=True, nullable=False), deferred=True
    )
    # Assignment: a road has no single grid (see RoadStretch); others have one, or a reason why not.
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)
    share: Mapped[float | None] = mapped_column(Float)  # polygon: share of its area in that grid
    straddles: Mapped[bool] = mapped_column(Boolean, default=False)
    unassigned_reason: Mapped[str | None] = mapped_column(Text)

    grid: Mapped[Grid | None] = relationship()
    stretches: Mapped[list[RoadStretch]] = relationship(
        back_populates="road", cascade="all, delete-orphan", order_by="RoadStretch.seq"
    )


class RoadStretch(Base):
    """The part of a road inside one grid (a road is split at grid boundaries)."""

    __tablename__ = "road_stretch"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"), index=True)
    length_m: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTILINESTRING", srid=SRID, spatial_index=False, nullable=False), deferred=True
    )

    road: Mapped[Entity] = relationship(back_populates="stretches")
    grid: Mapped[Grid | None] = relationship()
