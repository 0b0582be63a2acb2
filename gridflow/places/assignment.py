"""Assigning entities to grids: bulk through `geo.GridIndex`, written back in bulk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import MultiLineString
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from geo.assign import UNASSIGNED, GridIndex, Stretch
from geo.features import EntityRecord
from gridflow.models import Entity, Grid, RoadStretch
from gridflow.spatial import shapes, to_db

OUTSIDE = "outside every grid"
NO_GRIDS = "no grids loaded"
CHUNK = 5000


@dataclass
class Placement:
    grid_id: int | None
    share: float | None = None
    straddles: bool = False
    reason: str | None = None
    stretches: list[tuple[int | None, BaseGeometry, float]] = field(default_factory=list)


@dataclass
class AssignmentReport:
    assigned: int = 0
    unassigned: int = 0
    straddling: int = 0
    road_stretches: int = 0
    roads_resplit: int = 0  # stored roads whose stretches changed (reassignment only)
    moves: list[dict] = field(default_factory=list)  # {ref, from, to}
    unassigned_refs: list[dict] = field(default_factory=list)  # {ref, reason}

    def lines(self) -> list[str]:
        out = [
            f"assigned {self.assigned}, unassigned {self.unassigned}, straddling {self.straddling}, "
            f"road stretches {self.road_stretches}"
        ]
        if self.roads_resplit:
            out.append(f"re-split {self.roads_resplit} road(s): their stretches changed")
        for u in self.unassigned_refs[:10]:
            out.append(f"  unassigned {u['ref']}: {u['reason']}")
        if self.moves:
            out.append(f"moved {len(self.moves)} entit{'y' if len(self.moves) == 1 else 'ies'} to another grid:")
            out.extend(f"  {m['ref']}: {m['from'] or '-'} → {m['to'] or '-'}" for m in self.moves[:20])
            if len(self.moves) > 20:
                out.append(f"  … and {len(self.moves) - 20} more")
        return out


class Assigner:
    """All grids of the database in a `GridIndex`, with their ids and codes."""

    def __init__(self, session: Session):
        rows = session.execute(select(Grid.id, Grid.code, Grid.boundary)).all()
        self.index = GridIndex([r.code for r in rows], shapes([r.boundary for r in rows]))
        id_by_code = {r.code: r.id for r in rows}
        self.ids = [id_by_code[c] for c in self.index.codes]
        self.code_by_id = {v: k for k, v in id_by_code.items()}

    def _id(self, gi: int) -> int | None:
        return None if gi == UNASSIGNED else self.ids[gi]

    def place(self, kinds: Sequence[str], geoms: Sequence[BaseGeometry]) -> list[Placement]:
        out: list[Placement | None] = [None] * len(geoms)
        empty = len(self.index) == 0
        types = np.array([g.geom_type for g in geoms], dtype=object)
        points = np.flatnonzero(types == "Point")
        if len(points):
            found = self.index.assign_points(np.asarray(geoms, dtype=object)[points])
            for i, gi in zip(points.tolist(), found.tolist()):
                out[i] = Placement(self._id(gi), 1.0 if gi != UNASSIGNED else None)
        polys = np.flatnonzero(np.isin(types, ["Polygon", "MultiPolygon"]))
        if len(polys):
            found = self.index.assign_polygons(np.asarray(geoms, dtype=object)[polys])
            for i, a in zip(polys.tolist(), found):
                out[i] = Placement(self._id(a.grid), a.share if a.grid != UNASSIGNED else None, a.straddles)
        for i in np.flatnonzero(np.isin(types, ["LineString", "MultiLineString"])).tolist():
            out[i] = self._place_road(self.index.split_line(geoms[i]))
        for p in out:
            if p.grid_id is None:
                p.reason = NO_GRIDS if empty else OUTSIDE
        return out  # type: ignore[return-value]

    def _place_road(self, stretches: list[Stretch]) -> Placement:
        rows = [(self._id(s.grid), s.geometry, s.length_m) for s in stretches]
        total = sum(r[2] for r in rows) or 1.0
        inside = [r for r in rows if r[0] is not None]
        if not inside:
            return Placement(None, None, False, None, rows)
        longest = max(inside, key=lambda r: (r[2], -r[0]))
        grids = {r[0] for r in rows}
        return Placement(longest[0], longest[2] / total, len(grids) > 1, None, rows)


def _entity_row(p: Placement) -> dict:
    return {"grid_id": p.grid_id, "share": p.share, "straddles": p.straddles, "unassigned_reason": p.reason}


def _stretch_rows(entity_id: int, p: Placement) -> list[dict]:
    rows = []
    for seq, (gid, geom, length) in enumerate(p.stretches):
        multi = geom if geom.geom_type == "MultiLineString" else MultiLineString([geom])
        rows.append({"entity_id": entity_id, "seq": seq, "grid_id": gid, "length_m": length, "geom": to_db(multi)})
    return rows


def _tally(report: AssignmentReport, ref: str, p: Placement) -> None:
    if p.grid_id is None:
        report.unassigned += 1
        report.unassigned_refs.append({"ref": ref, "reason": p.reason})
    else:
        report.assigned += 1
    report.straddling += bool(p.straddles)
    report.road_stretches += len(p.stretches)


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _replace_stretches(session: Session, road_ids: list[int], rows: list[dict]) -> None:
    for ids in _chunks(road_ids):
        session.execute(delete(RoadStretch).where(RoadStretch.entity_id.in_(ids)))
    for chunk in _chunks(rows):
        session.execute(insert(RoadStretch), chunk)


def assign_entities(
    session: Session, records: list[EntityRecord], progress: Callable[[Iterable], Iterable]
) -> tuple[AssignmentReport, int, int]:
    """Upsert entities by ref, each assigned to its grid; returns (report, created, updated)."""
    assigner = Assigner(session)
    placements = assigner.place([r.kind for r in records], [r.geometry for r in records])
    existing = dict(session.execute(select(Entity.ref, Entity.id)).all())
    report = AssignmentReport()
    new_rows, changed_rows = [], []
    restretch = []  # roads, and entities that may have been roads before: their stretches are rewritten
    for r, p in zip(progress(records), placements):
        _tally(report, r.ref, p)
        row = {
            "ref": r.ref,
            "kind": r.kind,
            "name": r.name,
            "address": r.address,
            "households": r.households,
            "residents": r.residents,
            "geom": to_db(r.geometry),
            **_entity_row(p),
        }
        if r.ref in existing:
            changed_rows.append({"id": existing[r.ref], **row})
        else:
            new_rows.append(row)
        if r.kind == "road" or r.ref in existing:
            restretch.append((r.ref, p))
    for chunk in _chunks(new_rows):
        session.execute(insert(Entity), chunk)
    for chunk in _chunks(changed_rows):
        session.execute(update(Entity), chunk)
    if restretch:
        ids = dict(session.execute(select(Entity.ref, Entity.id).where(Entity.kind == "road")).all())
        ids.update(existing)
        stretch_rows = [row for ref, p in restretch for row in _stretch_rows(ids[ref], p)]
        _replace_stretches(session, [ids[ref] for ref, _ in restretch], stretch_rows)
    session.flush()
    session.expire_all()
    return report, len(new_rows), len(changed_rows)


def _same(old, p: Placement) -> bool:
    share_same = (old.share is None and p.share is None) or (
        old.share is not None and p.share is not None and abs(old.share - p.share) < 1e-9
    )
    return (
        old.grid_id == p.grid_id
        and share_same
        and bool(old.straddles) == p.straddles
        and old.unassigned_reason == p.reason
    )


def _stretch_key(stretches) -> list[tuple]:
    return [(gid, round(length, 3)) for gid, length in stretches]


def reassign_all(session: Session) -> AssignmentReport:
    """Assign every stored entity again and split every road again (after grids changed, or after
    the rules did: `gridflow reassign`); report the ones that moved.  Only what changed is written: a
    grid import usually moves a handful of entities out of many."""
    assigner = Assigner(session)
    rows = session.execute(
        select(
            Entity.id,
            Entity.ref,
            Entity.kind,
            Entity.geom,
            Entity.grid_id,
            Entity.share,
            Entity.straddles,
            Entity.unassigned_reason,
        )
    ).all()
    report = AssignmentReport()
    if not rows:
        return report
    placements = assigner.place([r.kind for r in rows], shapes([r.geom for r in rows]))
    stored: dict[int, list] = {}
    for entity_id, grid_id, length in session.execute(
        select(RoadStretch.entity_id, RoadStretch.grid_id, RoadStretch.length_m).order_by(
            RoadStretch.entity_id, RoadStretch.seq
        )
    ):
        stored.setdefault(entity_id, []).append((grid_id, length))
    updates, roads = [], []
    for r, p in zip(rows, placements):
        _tally(report, r.ref, p)
        if not _same(r, p):
            updates.append({"id": r.id, **_entity_row(p)})
        if r.grid_id != p.grid_id:
            report.moves.append(
                {"ref": r.ref, "from": assigner.code_by_id.get(r.grid_id), "to": assigner.code_by_id.get(p.grid_id)}
            )
        if r.kind == "road" and _stretch_key(stored.get(r.id, [])) != _stretch_key((g, ln) for g, _, ln in p.stretches):
            roads.append((r.id, p))
    for chunk in _chunks(updates):
        session.execute(update(Entity), chunk)
    _replace_stretches(session, [rid for rid, _ in roads], [row for rid, p in roads for row in _stretch_rows(rid, p)])
    report.roads_resplit = len(roads)
    session.flush()
    session.expire_all()
    return report
