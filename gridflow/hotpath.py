"""The few statements every report runs, executed straight on the driver's cursor.

Each is an ordinary SQLAlchemy statement, compiled once per dialect by SQLAlchemy itself; only the
per-execution work is skipped (cache-key generation, execution context, result wrapping), which for
these short statements costs more than the statement (measured: ~13 % of a report).  They run inside
the connection's current transaction like any other statement; they are not echoed or seen by
SQLAlchemy's cursor events.

Used only where parameter and result types need no conversion beyond SQLAlchemy's bind processors
(numbers, text, naive datetimes); results come back as plain tuples.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlalchemy import Connection
from sqlalchemy.sql import Executable


class _Compiled:
    def __init__(self, stmt: Executable, dialect):
        compiled = stmt.compile(dialect=dialect)
        self.compiled = compiled
        self.sql = compiled.string
        self.positional = compiled.positiontup  # None for named parameter styles
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors[name] = processor

    def args(self, params: dict):
        values = self.compiled.construct_params(params)
        for name, processor in self.processors.items():
            if name in values:
                values[name] = processor(values[name])
        return values if self.positional is None else [values[name] for name in self.positional]


class HotStatement:
    """`HotStatement(stmt)` or `HotStatement(lambda dialect_name: stmt)` for dialect-built ones."""

    def __init__(self, stmt: Executable | Callable[[str], Executable]):
        self._stmt = stmt
        self._by_dialect: dict[str, _Compiled] = {}

    def _for(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        compiled = self._by_dialect.get(name)
        if compiled is None:
            stmt = self._stmt(name) if callable(self._stmt) else self._stmt
            compiled = self._by_dialect[name] = _Compiled(stmt, conn.dialect)
        return compiled

    def _cursor(self, conn: Connection):
        if not conn.in_transaction():
            conn.begin()  # SQLAlchemy's autobegin: on SQLite this issues BEGIN (see gridflow.db)
        return conn.connection.dbapi_connection.cursor()

    def rows(self, conn: Connection, params: dict) -> list[tuple]:
        compiled = self._for(conn)
        cursor = self._cursor(conn)
        try:
            cursor.execute(compiled.sql, compiled.args(params))
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def first(self, conn: Connection, params: dict) -> tuple | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def many(self, conn: Connection, params: Iterable[dict]) -> None:
        compiled = self._for(conn)
        cursor = self._cursor(conn)
        try:
            cursor.executemany(compiled.sql, [compiled.args(p) for p in params])
        finally:
            cursor.close()
