"""Engine and session handling for both back ends (SQLite + SpatiaLite, PostgreSQL + PostGIS).

The app keeps one `Database` (engine + session factory) in `app.extensions["gridflow.db"]`; nothing
else holds database state in-process, so several gunicorn workers never disagree.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SPATIALITE_INIT_SQL = "SELECT InitSpatialMetaData(1, 'WGS84')"


def _sqlite_module():
    """The stdlib sqlite3 if it can load extensions, else sqlean (a drop-in that can)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    import sqlean

    return sqlean


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    # The driver's own transaction handling is switched off; `_on_sqlite_begin` emits BEGIN itself
    # (the SQLAlchemy recipe), so that writers can take the write lock up front.
    dbapi_conn.isolation_level = None
    dbapi_conn.enable_load_extension(True)
    dbapi_conn.load_extension(os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"))
    dbapi_conn.enable_load_extension(False)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    if cur.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
        cur.execute(SPATIALITE_INIT_SQL)
    cur.close()


def _on_sqlite_begin(conn) -> None:
    # A write transaction takes SQLite's write lock before it reads (BEGIN IMMEDIATE): a read-then-
    # write transaction started DEFERRED fails outright when another writer got in between.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
        engine = create_engine(
            url, module=_sqlite_module(), connect_args={"timeout": 30, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(self.engine.execution_options(write=True), expire_on_commit=False)
        self.is_postgres = self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception.  `write=True` for use
        cases that read then write (on SQLite it takes the write lock at BEGIN)."""
        session = (self.write_sessions if write else self.sessions)()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> None:
    app.extensions["gridflow.db"] = Database(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def _close(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["gridflow.db"]


def request_session() -> Session:
    """The session of the current request (closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_db().sessions()
    return g.db_session
