"""Fixtures: every DB test runs on SQLite + SpatiaLite and on PostgreSQL + PostGIS.

- SQLite: the schema is migrated once into a template file; each test gets a copy.
- PostGIS: the test database is recreated and migrated once per session; each test's data is
  truncated afterwards, and what the migrations seeded (the categories) is put back as it was.
  Unreachable PostGIS skips those tests — except under CI=true, where it fails.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import make_url

from gridflow import create_app
from gridflow.db import get_db
from gridflow.migrate import upgrade
from gridflow.models import Base

BACKENDS = ("sqlite", "postgis")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/gridflow_test"
APP_TABLES_SQL = """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                    AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')"""


def pg_url(database: str | None = None) -> str:
    url = make_url(os.environ.get("GRIDFLOW_TEST_POSTGRES", DEFAULT_PG))
    return (url.set(database=database) if database else url).render_as_string(hide_password=False)


def recreate_pg_database(url: str) -> None:
    """Drop and create the database of `url` and enable PostGIS in it."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()


def postgis_unavailable(exc: Exception) -> None:
    message = f"PostGIS not reachable at {pg_url()}: {exc}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: PostGIS tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


_pg_state: dict = {}


@pytest.fixture(scope="session")
def postgis_template() -> str:
    if "error" in _pg_state:
        postgis_unavailable(_pg_state["error"])
    if "url" not in _pg_state:
        url = pg_url()
        try:
            recreate_pg_database(url)
        except Exception as exc:  # noqa: BLE001 - any connection problem means "unavailable"
            _pg_state["error"] = exc
            postgis_unavailable(exc)
        upgrade(url)
        _pg_state["seeded"] = seeded_rows(url)
        _pg_state["url"] = url
    return _pg_state["url"]


def seeded_rows(url: str) -> list[tuple[Table, list[dict]]]:
    """The rows the migrations put into a fresh database, table by table (parents first)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(text(APP_TABLES_SQL))]
            filled = {n for n in names if conn.execute(text(f'SELECT 1 FROM "{n}" LIMIT 1')).first()}
            tables = [t for t in Base.metadata.sorted_tables if t.name in filled]
            return [(table, [dict(r) for r in conn.execute(select(table)).mappings()]) for table in tables]
    finally:
        engine.dispose()


def truncate_pg(url: str) -> None:
    """Empty every table, then put back what the migrations seeded (the same rows, as a fresh database
    has them)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(APP_TABLES_SQL))]
            if tables:
                # The audit log's triggers refuse TRUNCATE; a superuser's replica role skips them.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for table, rows in _pg_state.get("seeded", ()):
                conn.execute(table.insert(), rows)
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(request, backend, tmp_path) -> str:
    if backend == "sqlite":
        path = tmp_path / "gridflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgis_template")
        yield url
        truncate_pg(url)


@pytest.fixture
def app(db_url, tmp_path):
    # Its own instance folder: the timeline chain key is made there on first use.
    app = create_app(
        {"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    yield app
    get_db(app).dispose()


@pytest.fixture
def db(app):
    return get_db(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def logging_left_as_found():
    """An app created outside TESTING (the benches, run in process by their tests) configures logging for
    the whole process: a handler on the stream pytest captured for that test, closed after it.  Left in
    place, every later log line fails with a "Logging error" traceback on stderr."""
    root = logging.getLogger()
    handlers, level = set(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers and type(handler) is logging.StreamHandler:  # dictConfig's, not pytest's
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Argon2 at production cost takes ~50 ms a hash; the suite hashes thousands."""
    from argon2 import PasswordHasher

    from gridflow.people import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
