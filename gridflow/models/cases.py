"""Cases, their parties and mediation record, the timeline."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import TextClause

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.hashchain import GENESIS
from gridflow.models.base import Base
from gridflow.models.people import User
from gridflow.models.spatial import SRID, Grid
from gridflow.workflow.table import ACTIVE

# All datetimes are naive UTC.


# The states in which a level's clock runs, as literal SQL: a partial index is used only when the
# query states its predicate the same way (SQLite cannot match bound parameters against it).
def states_sql(states) -> TextClause:
    """`state IN (...)` as literal SQL: one statement text whatever the states (no per-call rendering
    of an IN list), and a predicate partial indexes can be matched against."""
    return text("state IN (" + ", ".join(f"'{s}'" for s in states) + ")")


ACTIVE_SQL = states_sql(ACTIVE)
DUPLICATE_CANDIDATES_SQL = states_sql(("reported", *ACTIVE))  # a new report may repeat one of these
# What waits for the grid's worker: reports to check and file, results to verify on site.
AWAITING_GRID_WORKER_SQL = states_sql(("reported", "resolved"))


CLIENT_ID_SQL = text("client_id IS NOT NULL")
# Under supervision (督办) from above: few cases, counted and listed on the dashboard.
SUPERVISED_SQL = text("supervised_level IS NOT NULL")


def queue_predicate(level: str) -> TextClause:
    """The cases in the work queues of one level, active and at that level, as literal SQL (the
    per-level queue indexes are partial on exactly this)."""
    if level not in LEVELS_BOTTOM_UP:
        raise ValueError(f"unknown level {level!r}")
    return text(f"{ACTIVE_SQL.text} AND level = '{level}'")


class Case(Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # incident|dispute
    category: Mapped[str] = mapped_column(String(8))
    # The version of the category the case was filed under: its time limits at every level, and its
    # filing and verification limits, come from that version whatever the office changes later.
    category_version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    description: Mapped[str] = mapped_column(Text)
    # Where, in words: given with the report, or the entity's name and address (searched with `q`).
    address: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(10), default="field")  # field|public
    risk: Mapped[str | None] = mapped_column(String(8))  # red|orange|yellow (disputes)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False, nullable=False), deferred=True
    )
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id", ondelete="SET NULL"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_contact: Mapped[str | None] = mapped_column(String(100))

    state: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(10))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    level_entered_at: Mapped[datetime] = mapped_column(DateTime)
    deadline: Mapped[datetime | None] = mapped_column(DateTime)
    warn_at: Mapped[datetime | None] = mapped_column(DateTime)
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    # Extensions still allowed at the current level (set on entering a level, see workflow.rules).
    extensions_left: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    referral: Mapped[str | None] = mapped_column(Text)  # JSON: {to, routes, note}
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)
    # The anchor of the timeline's keyed hash chain (gridflow.hashchain), written with every event:
    # how many events, the last one's hash, and the seal over both ("<key id>:<hmac>").
    chain_length: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    chain_head: Mapped[str] = mapped_column(String(64), server_default=GENESIS)
    chain_seal: Mapped[str | None] = mapped_column(String(80))
    # The reporter's own id for the report (a UUID made on the phone): a repeat is the same report.
    client_id: Mapped[str | None] = mapped_column(String(36))
    # The grid worker's step and its limit (per category): filing a `reported` case, verifying a
    # `resolved` one; the sweep acts when it passes (auto_file, verification_late).
    step_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    unchecked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # auto-filed
    verification_late_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Supervision from above: urged (催办) how often and last when; supervised (督办) by which level,
    # by whom (id and name as the timeline keeps them), with what note and due time, since when.
    urge_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    urged_at: Mapped[datetime | None] = mapped_column(DateTime)
    supervised_level: Mapped[str | None] = mapped_column(String(10))
    supervised_by_id: Mapped[int | None] = mapped_column(Integer)
    supervised_by: Mapped[str | None] = mapped_column(String(100))
    supervised_note: Mapped[str | None] = mapped_column(Text)
    supervised_due: Mapped[datetime | None] = mapped_column(DateTime)
    supervised_at: Mapped[datetime | None] = mapped_column(DateTime)

    grid: Mapped[Grid] = relationship()
    parties: Mapped[list[CaseParty]] = relationship(cascade="all, delete-orphan", order_by="CaseParty.id")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    # Optimistic locking: every UPDATE is conditional on the version it read.
    __mapper_args__ = {"version_id_col": version}
    # Every index costs every report a page write (on SQLite a 4 KB WAL frame each), so each holds only
    # the rows its queries can want: partial indexes wherever the query states the predicate literally.
    __table_args__ = (
        # Work queues: the active cases at one level in one division, soonest deadline first.  One
        # index per level, holding only that level's cases (a new case enters one, escalation moves it).
        *(
            Index(
                f"ix_case_queue_{lvl}",
                f"{lvl}_id",
                "deadline",
                postgresql_where=queue_predicate(lvl),
                sqlite_where=queue_predicate(lvl),
            )
            for lvl in LEVELS_BOTTOM_UP
        ),
        # The sweep (and the admin's queue): active cases by deadline.
        Index("ix_case_active_deadline", "deadline", postgresql_where=ACTIVE_SQL, sqlite_where=ACTIVE_SQL),
        # The grid worker's queue: what waits for him in his grids (field reports, filed at once, never do).
        Index(
            "ix_case_grid_waiting",
            "grid_id",
            postgresql_where=AWAITING_GRID_WORKER_SQL,
            sqlite_where=AWAITING_GRID_WORKER_SQL,
        ),
        # The sweep's grid-worker steps: what waits for filing or verification, by its step deadline.
        Index(
            "ix_case_step_deadline",
            "step_deadline",
            postgresql_where=AWAITING_GRID_WORKER_SQL,
            sqlite_where=AWAITING_GRID_WORKER_SQL,
        ),
        # The dashboard's supervised cases (few): soonest due first.
        Index("ix_case_supervised", "supervised_due", postgresql_where=SUPERVISED_SQL, sqlite_where=SUPERVISED_SQL),
        # Foreign keys pointing back at cases or entities (deleting one must not scan all cases); most
        # cases have neither, and NULLs need no entries.
        Index(
            "ix_case_merged_into",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
            sqlite_where=text("merged_into_id IS NOT NULL"),
        ),
        Index(
            "ix_case_entity",
            "entity_id",
            postgresql_where=text("entity_id IS NOT NULL"),
            sqlite_where=text("entity_id IS NOT NULL"),
        ),
        # Exactly-once reports: one case per reporter and client id (most reports carry none).
        Index(
            "ix_case_client",
            "reporter_id",
            "client_id",
            unique=True,
            postgresql_where=CLIENT_ID_SQL,
            sqlite_where=CLIENT_ID_SQL,
        ),
        # Possible duplicates: nearby, same category, lately, among cases still open to merging.
        Index(
            "ix_case_duplicates",
            "category",
            "lat",
            "lon",
            "created_at",
            postgresql_where=DUPLICATE_CANDIDATES_SQL,
            sqlite_where=DUPLICATE_CANDIDATES_SQL,
        ),
    )


class CaseCounter(Base):
    """Serial numbers for case numbers, per county and day (one atomic upsert each)."""

    __tablename__ = "case_counter"

    prefix: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class CaseParty(Base):
    """A party to a dispute (personal data: shown masked to anyone not handling the case)."""

    __tablename__ = "case_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    role: Mapped[str] = mapped_column(String(20))  # applicant|respondent|third_party


class MediationSession(Base):
    __tablename__ = "mediation_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(DateTime)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    participants: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)


class Agreement(Base):
    """The mediation agreement (People's Mediation Law §28–29), or a recorded oral settlement."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), unique=True)
    form: Mapped[str] = mapped_column(String(10))  # written|oral
    terms: Mapped[str] = mapped_column(Text)
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    # Parties may jointly apply for judicial confirmation within 30 days (§33).
    confirmation_deadline: Mapped[date | None] = mapped_column(Date)
    # The sweep's reminders look agreements up by these dates (a few days ahead), each sweep.
    __table_args__ = (
        Index("ix_agreement_performance_deadline", "performance_deadline"),
        Index("ix_agreement_confirmation_deadline", "confirmation_deadline"),
    )
    # The reminders of each date given so far (0, 1: three working days before, 2: on the day).
    performance_reminded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmation_reminded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FollowUp(Base):
    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notes: Mapped[str] = mapped_column(Text)
    performed: Mapped[bool | None] = mapped_column()  # agreement performed?
    satisfied: Mapped[bool | None] = mapped_column()  # were the parties satisfied (the satisfaction figure)


class CaseEvent(Base):
    """One immutable entry of a case's timeline, hash-chained (keyed) to the one before it."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        # Exactly-once events: one per actor and client id (the phone's own id; most events carry none).
        Index(
            "ix_case_event_client",
            "actor_id",
            "client_id",
            unique=True,
            postgresql_where=CLIENT_ID_SQL,
            sqlite_where=CLIENT_ID_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    from_level: Mapped[str | None] = mapped_column(String(10))
    to_level: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))  # the chain key that hashed it (keys rotate)
    # The sender's own id for the event (offline phones send again): not hashed, never shown.
    client_id: Mapped[str | None] = mapped_column(String(36))
