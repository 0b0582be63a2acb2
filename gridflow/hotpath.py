"""The few statements every report runs, executed straight on the driver's cursor.

Each is an ordinary SQLAlchemy statement, compiled once per dialect by SQLAlchemy itself; only the
per-execution work is skipped (cache-key generation, execution context, result wrapping), which for
these short statements costs more than the statement (report throughput ratio to the bare insert
endpoint went 0.41 -> 0.49 on both back ends).  They run inside the connection's current transaction
like any other statement; they are not echoed or seen by SQLAlchemy's cursor events, and errors come
as the driver's own exceptions (not wrapped by SQLAlchemy).

Used only where parameter and result types need no conversion beyond SQLAlchemy's bind processors
(numbers, text, naive datetimes); results come back as plain tuples.  Use anywhere else: the ordinary
`conn.execute` (this is a measured exception for the busiest request, not a second data layer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, bindparam, insert
from sqlalchemy.sql import Executable

from gridflow.db import pipelined


class _Compiled:
    def __init__(self, stmt: Executable, dialect):
        compiled = stmt.compile(dialect=dialect)
        self.compiled = compiled
        self.returns_rows = len(stmt.exported_columns) > 0  # a SELECT, or DML with RETURNING
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

    def send(self, conn: Connection, params: dict) -> tuple[Any, bool]:
        """Execute; the cursor holds the result (read it with `_fetch`), and whether there are rows."""
        compiled = self._for(conn)
        cursor = self._cursor(conn)
        cursor.execute(compiled.sql, compiled.args(params))
        return cursor, compiled.returns_rows

    def rows(self, conn: Connection, params: dict) -> list[tuple]:
        return _fetch(*self.send(conn, params))

    def first(self, conn: Connection, params: dict) -> tuple | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None


def _fetch(cursor, returns_rows: bool) -> list[tuple]:
    try:
        return cursor.fetchall() if returns_rows else []  # in a pipeline, fetching waits for the reply
    finally:
        cursor.close()


def rows_of_each(conn: Connection, calls: list[tuple[HotStatement, dict]]) -> list[list[tuple]]:
    """Run independent statements together (one round trip on PostgreSQL); the rows of each."""
    with pipelined(conn):
        cursors = [hot.send(conn, params) for hot, params in calls]
    return [_fetch(*sent) for sent in cursors]


class HotInsert:
    """INSERT of a few rows into `table` as one multi-row statement (one statement whatever the
    driver does with executemany); `columns` name the values each row gives."""

    def __init__(self, table, columns: list[str]):
        self.table, self.columns = table, columns
        self._by_count: dict[int, HotStatement] = {}

    def _statement(self, count: int) -> HotStatement:
        hot = self._by_count.get(count)
        if hot is None:
            types = {c: self.table.c[c].type for c in self.columns}
            rows = [{c: bindparam(f"{c}_{i}", type_=types[c]) for c in self.columns} for i in range(count)]
            hot = self._by_count[count] = HotStatement(insert(self.table).values(rows))
        return hot

    def rows(self, conn: Connection, rows: list[dict]) -> None:
        """Insert `rows`.  Nothing is read back, so inside `pipelined` this does not wait for the server
        (an error surfaces when the pipeline ends, before the transaction can commit)."""
        if rows:
            self._statement(len(rows)).send(
                conn, {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in self.columns}
            )[0].close()
