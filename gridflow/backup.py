"""Backups of a SQLite installation through SQLite's online backup API: a consistent copy taken
while the server keeps working, and a restore into the live database.  PostgreSQL has its own tools
(pg_dump / pg_restore, see the README)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from gridflow.db import Database, sqlite_module
from gridflow.errors import Invalid


def _require_sqlite(db: Database, what: str) -> None:
    if db.engine.dialect.name != "sqlite":
        raise Invalid(f"{what} is for SQLite installations; on PostgreSQL use pg_dump / pg_restore (README: Backups)")
    if make_url(db.url).database in (None, "", ":memory:"):
        raise Invalid(f"{what}: the database is in memory")


def backup(db: Database, target: str | os.PathLike) -> int:
    """Copy the live database to `target` (which must not exist); returns its size in bytes.  The copy
    is written beside the target and renamed into place, so a target that exists is complete."""
    _require_sqlite(db, "backup")
    target = Path(target)
    if target.exists():
        raise Invalid(f"{target} exists: choose a new file (a backup never overwrites one)")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        source = db.engine.raw_connection()
        try:
            copy = sqlite_module().connect(tmp)
            try:
                source.driver_connection.backup(copy)  # type: ignore[union-attr]  # one step: a consistent snapshot (WAL: writers go on)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def check_backup(db: Database, path: str | os.PathLike) -> str:
    """The schema revision of a backup file; Invalid if it is not a sound GridFlow database (or this
    installation is not on SQLite)."""
    _require_sqlite(db, "restore")
    path = Path(path)
    if not path.is_file():
        raise Invalid(f"{path} is not a file")
    module = sqlite_module()
    try:
        conn = module.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise Invalid(f"{path} is damaged (PRAGMA quick_check failed)")
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except module.DatabaseError as exc:
        raise Invalid(f"{path} is not a GridFlow database ({exc})") from None
    if len(rows) != 1:
        raise Invalid(f"{path} is not a GridFlow database (no schema revision)")
    return rows[0][0]


def restore(db: Database, source: str | os.PathLike) -> str:
    """Replace the live database's content with the backup `source` (checked first); returns the
    backup's schema revision (run `gridflow db upgrade` after restoring an older one)."""
    revision = check_backup(db, source)
    backup_conn = sqlite_module().connect(f"file:{Path(source)}?mode=ro", uri=True)
    try:
        live = db.engine.raw_connection()
        try:
            backup_conn.backup(live.driver_connection)  # the live file is locked for the copy
        finally:
            live.close()
    finally:
        backup_conn.close()
    db.engine.dispose()  # pooled connections may hold pages of the old content
    return revision
