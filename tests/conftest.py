"""Fixtures: every DB test runs on SQLite + SpatiaLite and on PostgreSQL + PostGIS.

- SQLite: the schema is migrated once into a template file; each test gets a copy.
- PostGIS: the test database is recreated and migrated once per session; each test's data is
  truncated afterwards.  Unreachable PostGIS skips those tests — except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridflow import create_app
from gridflow.db import get_db
from gridflow.migrate import upgrade

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
        _pg_state["url"] = url
    return _pg_state["url"]


def truncate_pg(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = [r[0] for r in conn.execute(text(APP_TABLES_SQL))]
            if tables:
                # The audit log's triggers refuse TRUNCATE; a superuser's replica role skips them.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
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
def cheap_password_hashing(monkeypatch):
    """Argon2 at production cost takes ~50 ms a hash; the suite hashes thousands."""
    from argon2 import PasswordHasher

    from gridflow.people import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
