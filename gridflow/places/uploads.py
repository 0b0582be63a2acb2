"""Spatial imports from a file, for the command line and the upload page alike.

`run_import` is the one import: parse the GeoJSON (`geo.features`), store it with the import service
of its kind (all or nothing) and record it in the audit log in the same transaction (file, SHA-256,
counts, and every grid handed to another owner).  `dry_run` does the same and rolls it back: what the
upload page previews (every problem with its feature, overlaps with both codes and m², the entities
that would move) is what the import would do, by the same code.

The upload page keeps the file server-side between the preview and the import (`keep`, `load`): in
the instance folder under a random token, readable by its uploader only, so what is imported is the
file that was previewed, never a copy sent back by the browser.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from shapely.geometry import mapping
from sqlalchemy.orm import Session

from geo.coverage import GridImportCheck
from geo.features import InvalidFeatures, Problem, parse_divisions, parse_entities, parse_grids
from gridflow.audit.log import Caller, record
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import N_, Invalid, NotFound
from gridflow.people.access import require_admin
from gridflow.places import imports
from gridflow.places.gridcheck import OverlappingGrids, check_grids
from gridflow.places.imports import ImportSummary
from gridflow.places.stepped import import_entities_in_steps

KINDS = ("divisions", "grids", "entities")
PARSERS: dict[str, Callable[[Any, str], list]] = {
    "divisions": parse_divisions,
    "grids": parse_grids,
    "entities": parse_entities,
}
KEEP_SECONDS = 24 * 3600  # an upload not imported within a day is removed
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that it rolls back, carrying what it did."""

    def __init__(self, summary: ImportSummary):
        self.summary = summary


def read_geojson(raw: bytes, name: str = "file") -> Any:
    """The file's JSON, or `Invalid` naming what is wrong with it (field `file`)."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Invalid(N_("%(name)s is not UTF-8 text"), field="file", params={"name": name}) from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            N_("%(name)s is not valid JSON (line %(line)d, column %(column)d)"),
            field="file",
            params={"name": name, "line": exc.lineno, "column": exc.colno},
        ) from None


def parse(kind: str, data: Any, crs: str) -> list:
    """The file's features as records (`InvalidFeatures` lists every problem with its feature)."""
    return PARSERS[kind](data, crs)


def _service(kind: str, tolerance_m2: float, allow_overlaps: bool) -> Callable[..., ImportSummary]:
    if kind == "grids":
        return partial(imports.import_grids, tolerance_m2=tolerance_m2, allow_overlaps=allow_overlaps)
    return imports.import_divisions if kind == "divisions" else imports.import_entities


def record_import(session: Session, caller: Caller, kind: str, source: dict, records: list, summary: ImportSummary):
    """The import in the audit log, in its transaction: the file (`source`: name, sha256, maybe the
    path), counts, and each grid that changed hands."""
    counts = {"features": len(records), "created": summary.created, "updated": summary.updated}
    record(
        session,
        caller,
        f"import.{kind}",
        f"file:{source['name']}",
        {k: v for k, v in source.items() if k != "name"} | counts,
    )
    for code, previous, owner in summary.owners_changed:
        record(
            session, caller, "grid.owner", f"grid:{code}", {"from": previous, "to": owner, "import": source["sha256"]}
        )


def run_import(
    db: Database,
    caller: Caller,
    kind: str,
    records: list,
    source: dict,
    tolerance_m2: float = 1.0,
    allow_overlaps: bool = False,
    progress: Callable | None = None,
    steps_bar: Callable | None = None,
) -> ImportSummary:
    """Store `records` (all or nothing) and audit it.  Entities on SQLite go in steps, so that reports
    get the one write lock between them (see places.stepped)."""
    require_admin(caller.actor)
    if kind == "entities" and not db.is_postgres:
        summary = import_entities_in_steps(db, records, steps_bar)
        with db.session(write=True) as session:
            record_import(session, caller, kind, source, records, summary)
        return summary
    service = _service(kind, tolerance_m2, allow_overlaps)
    with db.session(write=True) as session:  # on SQLite the write lock from the start: never lost half-way
        summary = service(session, records, progress) if progress else service(session, records)
        record_import(session, caller, kind, source, records, summary)
    return summary


@dataclass
class Preview:
    """What importing a file would do, found by doing it and rolling it back."""

    kind: str
    features: int
    problems: list[Problem] = field(default_factory=list)  # the file's: each with its feature
    check: GridImportCheck | None = None  # grids: overlaps, parts outside, gaps (with geometries)
    summary: ImportSummary | None = None  # when it would import: counts, moves, notes

    @property
    def importable(self) -> bool:
        return not self.problems and not (self.check and self.check.refused)


def dry_run(db: Database, caller: Caller, kind: str, data: Any, crs: str, tolerance_m2: float = 1.0) -> Preview:
    """Everything the import of `data` would find or do, nothing stored."""
    require_admin(caller.actor)
    try:
        records = parse(kind, data, crs)
    except InvalidFeatures as exc:
        return Preview(kind, _count(data), exc.problems)
    preview = Preview(kind, len(records))
    try:
        with db.session(write=True) as session:
            if kind == "grids":
                preview.check = check_grids(session, records, tolerance_m2)
            raise _DryRun(_service(kind, tolerance_m2, False)(session, records))
    except _DryRun as done:
        preview.summary = done.summary
    except InvalidFeatures as exc:
        preview.problems = exc.problems
    except OverlappingGrids as exc:
        preview.check = exc.check
    return preview


def _count(data: Any) -> int:
    features = data.get("features") if isinstance(data, dict) else None
    return len(features) if isinstance(features, list) else 0


# -- files kept between preview and import ----------------------------------------------------------
@dataclass
class Upload:
    token: str
    kind: str
    crs: str
    name: str  # the file's name as sent (for display and the audit log; never a path)
    sha256: str
    size: int
    user_id: int | None
    uploaded_at: str  # ISO, UTC

    @property
    def source(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "via": "upload"}


def _folder(instance_path: str) -> Path:
    return Path(instance_path) / "uploads"


def safe_name(name: str | None) -> str:
    """The last component of a sent file name, printable, at most 100 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:100] or "upload.geojson"


def keep(instance_path: str, caller: Caller, kind: str, crs: str, name: str | None, raw: bytes) -> Upload:
    """Keep an uploaded file for its preview and import (the JSON must parse); old ones are removed."""
    require_admin(caller.actor)
    if kind not in KINDS:
        raise Invalid(N_("choose what the file holds"), field="kind")
    if not raw:
        raise Invalid(N_("choose a GeoJSON file"), field="file")
    read_geojson(raw, safe_name(name))
    folder = _folder(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old(folder)
    upload = Upload(
        secrets.token_urlsafe(18),
        kind,
        crs,
        safe_name(name),
        hashlib.sha256(raw).hexdigest(),
        len(raw),
        caller.actor.id,
        utcnow().isoformat(),
    )
    (folder / f"{upload.token}.geojson").write_bytes(raw)
    (folder / f"{upload.token}.json").write_text(json.dumps(asdict(upload)), encoding="utf-8")
    return upload


def load(instance_path: str, caller: Caller, token: str) -> tuple[Upload, bytes]:
    """A kept upload and its bytes, for the admin who uploaded it (anyone else: not found)."""
    require_admin(caller.actor)
    folder = _folder(instance_path)
    if not _TOKEN.match(token) or not (folder / f"{token}.json").is_file():
        raise NotFound(N_("no such upload (imported already, or older than a day)"))
    upload = Upload(**json.loads((folder / f"{token}.json").read_text(encoding="utf-8")))
    if upload.user_id != caller.actor.id:
        raise NotFound(N_("no such upload (imported already, or older than a day)"))
    return upload, (folder / f"{token}.geojson").read_bytes()


def discard(instance_path: str, token: str) -> None:
    folder = _folder(instance_path)
    if _TOKEN.match(token):
        for suffix in (".geojson", ".json"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # removed meanwhile by another worker
            pass


# -- the preview on the map ---------------------------------------------------------------------------
MAP_FEATURES = 3000  # at most this many of the file's features on the preview map


def grid_check(db: Database, caller: Caller, kind: str, data: Any, crs: str, tolerance_m2: float = 1.0):
    """The grid check of a grids file (read-only), or None (another kind, or a file that does not parse)."""
    require_admin(caller.actor)
    if kind != "grids":
        return None
    try:
        records = parse(kind, data, crs)
    except InvalidFeatures:
        return None
    with db.session() as session:
        return check_grids(session, records, tolerance_m2)


def preview_layer(kind: str, data: Any, crs: str, check: GridImportCheck | None) -> dict:
    """The file's features in WGS-84 (at most MAP_FEATURES; `truncated` says so) and the findings of
    the grid check (overlaps, parts outside, gaps) as one FeatureCollection; each feature's `role`
    says which.  A file that does not parse has no features to show."""
    try:
        records = parse(kind, data, crs)
    except InvalidFeatures:
        records = []
    features = [
        {
            "type": "Feature",
            "geometry": mapping(r.geometry),
            "properties": {
                "role": "feature",
                "code": getattr(r, "code", None) or r.ref,
                "name": r.name,
                "index": r.index,
            },
        }
        for r in records[:MAP_FEATURES]
    ]
    if check is not None:
        features += [
            {
                "type": "Feature",
                "geometry": o.geometry,
                "properties": {"role": "overlap", "codes": o.children, "area_m2": o.area_m2},
            }
            for o in check.overlaps
        ]
        features += [
            {
                "type": "Feature",
                "geometry": o.geometry,
                "properties": {"role": "outside", "codes": [o.child], "area_m2": o.area_m2},
            }
            for o in check.outside
        ]
        features += [
            {
                "type": "Feature",
                "geometry": g.geometry,
                "properties": {"role": "gap", "codes": [g.community], "area_m2": g.area_m2},
            }
            for g in check.gaps
        ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(records) > MAP_FEATURES}
