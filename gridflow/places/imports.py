"""Imports of divisions, grids and entities from parsed GeoJSON records (see geo.features).

Each import is all-or-nothing: every problem is collected with its feature index and raised as
`InvalidFeatures` before anything is written, and the caller's transaction is rolled back on any
error.  Re-importing updates by code (divisions, grids) or ref (entities).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo.features import (
    DivisionRecord,
    EntityRecord,
    GridRecord,
    InvalidFeatures,
    Problem,
    Wrong,
)
from geo.levels import LEVELS_TOP_DOWN
from gridflow.errors import N_
from gridflow.models import Division, Grid, User, Worker
from gridflow.places.assignment import AssignmentReport, assign_entities, reassign_all
from gridflow.places.gridcheck import OverlappingGrids, check_grids
from gridflow.spatial import to_db

Progress = Callable[[Iterable], Iterable]


def _no_progress(items: Iterable) -> Iterable:
    return items


@dataclass
class ImportSummary:
    kind: str
    created: int = 0
    updated: int = 0
    assignment: AssignmentReport | None = None
    notes: list[str] = field(default_factory=list)
    # Stored grids whose owner changed: (code, previous staff number, new staff number); None: nobody.
    owners_changed: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.kind}: {self.created} created, {self.updated} updated"]
        if self.assignment:
            out.extend(self.assignment.lines())
        out.extend(self.notes)
        return out


def import_divisions(
    session: Session, records: list[DivisionRecord], progress: Progress = _no_progress
) -> ImportSummary:
    existing = {d.code: d for d in session.scalars(select(Division))}
    problems: list[Problem] = []
    records = sorted(records, key=lambda r: (LEVELS_TOP_DOWN.index(r.level), r.index))
    incoming = {r.code: r for r in records}
    for r in records:
        if r.parent_code is None:
            continue
        parent_level = (
            existing[r.parent_code].level
            if r.parent_code in existing
            else incoming[r.parent_code].level
            if r.parent_code in incoming
            else None
        )
        if parent_level is None:
            problems.append(Problem.of(r.index, Wrong(N_("unknown parent_code %(parent)s"), parent=r.parent_code)))
        elif LEVELS_TOP_DOWN.index(parent_level) != LEVELS_TOP_DOWN.index(r.level) - 1:
            wrong = Wrong(
                N_("a %(level)s cannot lie under a %(parent_level)s (%(parent)s)"),
                level=r.level,
                parent_level=parent_level,
                parent=r.parent_code,
            )
            problems.append(Problem.of(r.index, wrong))
        if r.code in existing and existing[r.code].level != r.level:
            wrong = Wrong(N_("code %(code)s is already a %(level)s"), code=r.code, level=existing[r.code].level)
            problems.append(Problem.of(r.index, wrong))
    if problems:
        raise InvalidFeatures(sorted(problems, key=lambda p: p.index or 0))

    summary = ImportSummary("divisions")
    for r in progress(records):
        division = existing.get(r.code)
        if division is None:
            division = Division(code=r.code)
            session.add(division)
            existing[r.code] = division
            summary.created += 1
        else:
            summary.updated += 1
        division.name, division.level = r.name, r.level
        division.parent = existing[r.parent_code] if r.parent_code else None
        division.boundary = to_db(r.geometry)
    session.flush()
    return summary


def _upsert_workers(session: Session, records: list[GridRecord], problems: list[Problem]) -> dict[str, Worker]:
    wanted = {r.worker["staff_no"] for r in records if r.worker}
    workers = (
        {w.staff_no: w for w in session.scalars(select(Worker).where(Worker.staff_no.in_(wanted)))} if wanted else {}
    )
    for r in records:
        if not r.worker:
            continue
        staff, name = r.worker["staff_no"], r.worker.get("name")
        worker = workers.get(staff)
        if worker is None and name:
            worker = workers[staff] = Worker(staff_no=staff, name=name)
            session.add(worker)
        if worker is None:
            continue  # checked after all records, a later feature may define him
        if name:
            worker.name = name
        if r.worker.get("phone"):
            worker.phone = r.worker["phone"]
    for r in records:
        if r.worker and r.worker["staff_no"] not in workers:
            problems.append(
                Problem.of(
                    r.index,
                    Wrong(
                        N_("unknown worker %(staff_no)r (give {staff_no, name, phone} to create one)"),
                        staff_no=r.worker["staff_no"],
                    ),
                )
            )
    return workers


def import_grids(
    session: Session,
    records: list[GridRecord],
    progress: Progress = _no_progress,
    tolerance_m2: float = 1.0,
    allow_overlaps: bool = False,
) -> ImportSummary:
    """Upsert grids by code.  Grids that would overlap each other or the stored ones, or reach outside
    their community, refuse the import (`OverlappingGrids`, naming each) unless `allow_overlaps`;
    gaps left in their communities are warnings.  Entities are then assigned again."""
    problems: list[Problem] = []
    community_codes = {r.community_code for r in records}
    communities = (
        {d.code: d for d in session.scalars(select(Division).where(Division.code.in_(community_codes)))}
        if community_codes
        else {}
    )
    for r in records:
        community = communities.get(r.community_code)
        if community is None:
            wrong = Wrong(N_("grid %(code)s: unknown community %(community)s"), code=r.code, community=r.community_code)
            problems.append(Problem.of(r.index, wrong))
        elif community.level != "community":
            wrong = Wrong(
                N_("grid %(code)s: %(community)s is a %(level)s, not a community"),
                code=r.code,
                community=r.community_code,
                level=community.level,
            )
            problems.append(Problem.of(r.index, wrong))
    workers = _upsert_workers(session, records, problems)
    if problems:
        raise InvalidFeatures(sorted(problems, key=lambda p: p.index or 0))
    check = check_grids(session, records, tolerance_m2)
    if check.refused and not allow_overlaps:
        raise OverlappingGrids(check)

    existing = (
        {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_([r.code for r in records])))}
        if records
        else {}
    )
    summary = ImportSummary("grids")
    summary.notes += [f"warning: {line} (imported anyway: overlaps allowed)" for line in check.problems()]
    summary.notes += [f"warning: {line}" for line in check.warnings()]
    for r in progress(records):
        grid = existing.get(r.code)
        if grid is None:
            grid = Grid(code=r.code)
            session.add(grid)
            summary.created += 1
        else:
            summary.updated += 1
        grid.name, grid.kind = r.name, r.kind
        grid.community = communities[r.community_code]
        grid.boundary = to_db(r.geometry)
        owner = workers[r.worker["staff_no"]] if r.worker else None
        if r.code in existing and grid.worker is not owner:  # a new grid's first owner is no change
            before = grid.worker.staff_no if grid.worker else None
            summary.owners_changed.append((r.code, before, owner.staff_no if owner else None))
        grid.worker = owner
    session.flush()
    _end_sessions_of(session, {s for change in summary.owners_changed for s in change[1:] if s})
    without_owner = [r.code for r in records if not r.worker]
    if without_owner:
        summary.notes.append(f"{len(without_owner)} grid(s) without an owning worker: {', '.join(without_owner[:10])}")
    # Grids changed: every entity is assigned again; moves are reported.
    summary.assignment = reassign_all(session)
    return summary


def _end_sessions_of(session: Session, staff_nos: set[str]) -> None:
    """Grids changed hands: the accounts of their old and new owners log in again (their token
    version moves on), as when an administrator hands a grid over."""
    if staff_nos:
        owners = select(Worker.id).where(Worker.staff_no.in_(sorted(staff_nos)))
        session.execute(
            update(User).where(User.worker_id.in_(owners)).values(token_version=User.token_version + 1),
            execution_options={"synchronize_session": False},
        )


def import_entities(session: Session, records: list[EntityRecord], progress: Progress = _no_progress) -> ImportSummary:
    summary = ImportSummary("entities")
    summary.assignment, summary.created, summary.updated = assign_entities(session, records, progress)
    return summary
