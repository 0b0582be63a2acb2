"""Engine and session handling for both back ends (SQLite + SpatiaLite, PostgreSQL + PostGIS).

The app keeps one `Database` (engine + session factory) in `app.extensions["gridflow.db"]`; nothing
else holds database state in-process, so several gunicorn workers never disagree.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar, Token
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

SPATIALITE_INIT_SQL = "SELECT InitSpatialMetaData(1, 'WGS84')"
# Pages in the write-ahead log before a commit copies them back into the database (SQLite's default:
# 1,000).  Each report changes about 20 pages, and a checkpoint copies each changed page once and
# syncs the file: fewer, larger checkpoints copy the pages every report touches (index roots, the
# case counter) less often: about 50 µs less commit time per report; the log file
# grows to about 16 MB.
WAL_AUTOCHECKPOINT = 4000


def sqlite_module():
    """The stdlib sqlite3 if it can load extensions, else sqlean (a drop-in that can)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    import sqlean

    return sqlean


def _on_sqlite_connect(busy_timeout_s: float, dbapi_conn, _record) -> None:
    # The driver's own transaction handling is switched off; `_on_sqlite_begin` emits BEGIN itself
    # (the SQLAlchemy recipe), so that writers can take the write lock up front.
    dbapi_conn.isolation_level = None
    dbapi_conn.enable_load_extension(True)
    dbapi_conn.load_extension(os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"))
    dbapi_conn.enable_load_extension(False)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")  # the driver's own `timeout` is not passed on
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
    # Another connection's commit empties this connection's page cache (every report does one):
    # memory-mapped reads make re-reading the grid and division pages cheap.
    cur.execute("PRAGMA mmap_size = 1073741824")
    if cur.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
        cur.execute(SPATIALITE_INIT_SQL)
    cur.close()


def _on_sqlite_begin(conn) -> None:
    # A write transaction takes SQLite's write lock before it reads (BEGIN IMMEDIATE): a read-then-
    # write transaction started DEFERRED fails outright when another writer got in between.
    # Look-ups run in the driver's autocommit mode: no transaction at all.
    options = conn.get_execution_options()
    if not options.get("lookup"):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("write") else "BEGIN")


def make_engine(url: str, busy_timeout_s: float = 30.0, **kwargs) -> Engine:
    """An engine for either back end.  `busy_timeout_s` (SQLite): how long a statement waits for
    another connection's write lock before it fails with "database is locked"."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("pool_use_lifo", True)  # a file: a pool of connections, warmest first
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
        engine = create_engine(
            url,
            module=sqlite_module(),
            connect_args={"check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", partial(_on_sqlite_connect, busy_timeout_s))
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.drivername == "postgresql":
        # psycopg 3, which GridFlow ships: it prepares statements run repeatedly on a connection, so
        # the hot look-ups skip PostgreSQL's planner (a bare postgresql:// would mean psycopg2).
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_use_lifo", True)  # the most recently used connection first: caches are warm
    return create_engine(parsed, **kwargs)


class _Pin:
    """The pooled connection a web request's units of work share, checked out at its first one.

    The rule, in one sentence: units of work run one after another on this one connection, and a unit
    opened while another is still open takes a second connection from the pool for its duration
    (request code does not do that today, and should not: with every worker's requests each holding
    one connection and waiting for a second, a pool can run dry)."""

    def __init__(self, db: Database):
        self.db = db
        self.conn: Connection | None = None
        self.mode: str | None = None
        self.busy = False

    def take(self, mode: str) -> Connection | None:
        if self.busy:  # a unit of work inside another: a second connection, from the pool
            return None
        if self.conn is None:
            self.conn = self.db.engine.connect()
        if self.mode != mode:
            self.conn.execution_options(**self.db.mode_options(mode, self.conn.default_isolation_level))
            self.mode = mode
        self.busy = True
        return self.conn

    def release(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@contextmanager
def driver_errors(conn: Connection, sql: str | None = None, args: Any = None, cursor: Any = None) -> Iterator[None]:
    """The driver's exceptions raised inside, as SQLAlchemy's; a connection they show to be dead is
    invalidated (the pool replaces it), as conn.execute does."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        dead = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        if dead:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            sql, args, exc, dbapi.Error, connection_invalidated=dead, dialect=conn.dialect
        ) from exc


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Statements sent inside are not each waited for (psycopg 3's pipeline mode: the server gets them
    back to back and a reply is awaited only where a result is read), so statements that do not need
    each other's results cost one round trip together.  Elsewhere (SQLite: no round trips) a no-op."""
    driver: Any = conn.connection.driver_connection
    if not hasattr(driver, "pipeline"):  # SQLite: nothing travels
        yield
        return
    with driver_errors(conn), driver.pipeline():  # errors of statements sent inside surface at its end
        yield


_pin: ContextVar[_Pin | None] = ContextVar("gridflow_pinned_connection", default=None)


class Database:
    def __init__(self, url: str, busy_timeout_s: float = 30.0):
        self.url = url
        self.engine = make_engine(url, busy_timeout_s)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self.engines = {
            mode: self.engine.execution_options(**self.mode_options(mode)) for mode in ("read", "write", "lookup")
        }
        # What this process derived from the database and may keep: only values that cannot change
        # (a category version, immutable once stored) or that are checked against a revision counter
        # read in every unit of work that uses them (the working calendar).  Never "the current" anything.
        self.memo: dict = {}

    def mode_options(self, mode: str, default_isolation: str | None = None) -> dict:
        """Connection options per kind of unit of work.  `write`: on SQLite, BEGIN IMMEDIATE (see
        `_on_sqlite_begin`).  `lookup`: reads whose statements each stand alone run without a
        transaction, so no BEGIN/COMMIT round trips on the busiest paths (every request's token,
        every report's place)."""
        kinds = {"write": mode == "write", "lookup": mode == "lookup"}
        if self.is_postgres:
            isolation = "AUTOCOMMIT" if mode == "lookup" else default_isolation
            return kinds | ({"isolation_level": isolation} if isolation else {})
        return kinds

    def streaming_session(self) -> AbstractContextManager[Session]:
        """A read unit of work on a connection of its own, never the request's pinned one: for an
        answer read from the database while it is sent, after the request's connection went back."""
        return self._unit("read", own=True)

    @contextmanager
    def _connection(self, mode: str, own: bool = False) -> Iterator[Connection]:
        """The request's pinned connection if free (and not `own`), else one from the pool, set up
        for `mode`."""
        pin = None if own else _pin.get()
        conn = pin.take(mode) if pin is not None and pin.db is self else None
        if conn is None:
            with self.engines[mode].connect() as pooled:
                yield pooled
            return
        try:
            yield conn
        finally:
            pin.busy = False  # type: ignore[union-attr]  # conn came from the pin
            if conn.in_transaction():  # whatever the unit left open ends with it
                conn.rollback()

    @contextmanager
    def _unit(self, mode: str, own: bool = False) -> Iterator[Session]:
        with self._connection(mode, own) as conn:
            session = Session(bind=conn, expire_on_commit=False)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def session(self, write: bool = False) -> AbstractContextManager[Session]:
        """A unit of work: commits on success, rolls back on any exception.  `write=True` for use
        cases that read then write (on SQLite it takes the write lock at BEGIN)."""
        return self._unit("write" if write else "read")

    @contextmanager
    def transaction(self, write: bool = False, pipeline: bool = False) -> Iterator[Connection]:
        """A unit of work in plain SQL statements (no ORM session: for the busiest writes).
        `pipeline`: on PostgreSQL statements whose results are not read travel together, and with
        the COMMIT (psycopg 3's pipeline mode); elsewhere no difference."""
        with self._connection("write" if write else "read") as conn:
            with pipelined(conn) if pipeline else nullcontext(), conn.begin():
                yield conn

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """Reads whose statements need not see one snapshot: autocommit mode, plain statements."""
        with self._connection("lookup") as conn:
            yield conn

    def pin(self) -> Token:
        """From here on, this context's units of work share one connection (see `_Pin`)."""
        return _pin.set(_Pin(self))

    def unpin(self, token: Token) -> None:
        pin = _pin.get()
        _pin.reset(token)
        if pin is not None:
            pin.release()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        token = self.pin()
        try:
            yield
        finally:
            self.unpin(token)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> None:
    db = app.extensions["gridflow.db"] = Database(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_S"])

    @app.before_request
    def _pin_connection() -> None:
        g.gridflow_pin = db.pin()

    @app.teardown_request
    def _release_connection(_exc) -> None:
        token = g.pop("gridflow_pin", None)
        if token is not None:
            db.unpin(token)


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["gridflow.db"]
