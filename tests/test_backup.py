"""`gridflow backup FILE` / `gridflow restore FILE` on SQLite (online backup API); refused on PostgreSQL."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select

from gridflow.models import Division, Entity
from tests import fixtures as fx
from tests.helpers import invoke, load_fixture_city, write_json


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_backup_taken_while_running_restores_what_it_held(runner, db, backend, tmp_path):
    if backend != "sqlite":
        result = runner.invoke(args=["gridflow", "backup", str(tmp_path / "b.db")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    load_fixture_city(runner, tmp_path, with_entities=False)
    target = tmp_path / "backups" / "gridflow-1.db"
    with db.session() as held:  # another unit of work is open meanwhile: the backup does not wait for it
        held.scalar(select(func.count()).select_from(Division))
        result = invoke(runner, "backup", str(target))
    assert result.exit_code == 0 and "backup:" in result.output
    assert invoke(runner, "import-entities", write_json(tmp_path, "e.geojson", fx.entities())).exit_code == 0
    assert _count(db, Entity) == 5
    result = invoke(runner, "restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert "schema revision" in result.output
    assert (_count(db, Division), _count(db, Entity)) == (7, 0)


def test_a_backup_never_overwrites_a_file(runner, db, backend, tmp_path):
    if backend != "sqlite":
        return
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = runner.invoke(args=["gridflow", "backup", str(target)])
    assert result.exit_code == 1 and "exists" in result.output
    assert target.read_text() == "keep me"


def test_restore_refuses_a_file_that_is_not_a_gridflow_database(runner, db, backend, tmp_path):
    if backend != "sqlite":
        result = runner.invoke(args=["gridflow", "restore", str(tmp_path / "x.db"), "--yes"])
        assert result.exit_code == 1 and "pg_restore" in result.output
        return
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello " * 1000)
    for path, reason in (
        (other, "no such table: alembic_version"),
        (text_file, "not a GridFlow database"),
        (tmp_path / "no.db", "not a file"),
    ):
        result = runner.invoke(args=["gridflow", "restore", str(path), "--yes"])
        assert result.exit_code == 1 and reason in result.output, result.output
    assert _count(db, Division) == 0  # the live database is untouched and still answers
