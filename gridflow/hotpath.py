"""The few statements every report runs, executed straight on the driver's cursor.

Each is an ordinary SQLAlchemy statement, compiled once per dialect by SQLAlchemy itself; only the
per-execution work is skipped (cache-key generation, execution context, result wrapping), which for
these short statements costs more than the statement (report throughput ratio to the bare insert
endpoint went 0.41 -> 0.49 on both back ends).  They run inside the connection's current transaction
like any other statement; they are not echoed or seen by SQLAlchemy's cursor events.

The rules, enforced here rather than remembered:
- every hot statement is registered by name in `REGISTRY` (one list of them; a test runs each one
  against the ordinary `conn.execute` on both back ends);
- a statement whose selected or returned columns need SQLAlchemy's result conversion (a DateTime on
  SQLite comes back as text, a Boolean as 1) is refused when it is compiled: results come back as
  the driver's plain tuples;
- the driver's errors are raised as SQLAlchemy's (`sqlalchemy.exc.IntegrityError`, … with the
  driver's error as `orig`), and a dead connection is invalidated, as `conn.execute` would.
Anywhere else use the ordinary `conn.execute`: this is a measured exception for the busiest request,
not a second data layer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.sql import Executable

from gridflow.compat import positional_names
from gridflow.db import driver_errors, pipelined

Built = Executable | Callable[[str], Executable]  # a statement, or one built per dialect name
REGISTRY: dict[str, HotStatement | HotInsert | HotFamily] = {}


def _register(name: str, hot: Any, registry: dict | None) -> None:
    if registry is not None:
        if name in registry:
            raise ValueError(f"a hot statement named {name!r} exists already")
        registry[name] = hot


class NeedsResultConversion(TypeError):
    """A hot statement selects a column whose values SQLAlchemy would convert: use conn.execute."""


class NeedsPostCompile(TypeError):
    """A hot statement has parameters SQLAlchemy renders into its text per execution (IN lists)."""


class _Compiled:
    def __init__(self, name: str, stmt: Executable, dialect: Dialect):
        compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]  # every statement compiles
        if compiled.post_compile_params:
            raise NeedsPostCompile(
                f"hot statement {name!r}: {', '.join(sorted(compiled.bind_names[b] for b in compiled.post_compile_params))} "
                "are rendered per execution by SQLAlchemy (an IN list, say); write it without them"
            )
        columns = list(stmt.exported_columns)  # type: ignore[attr-defined]
        self.name, self.dialect, self.columns = name, dialect, columns
        # Columns whose conversion depends on the type the server reports (PostgreSQL's numerics) are
        # checked against the first result's description, before any row reaches the caller.
        self.unchecked: list[int] = []
        for i, column in enumerate(columns):
            try:
                self._refuse_if_converted(column, None)
            except (TypeError, LookupError, InvalidRequestError):
                self.unchecked.append(i)
        self.compiled = compiled
        self.returns_rows = bool(columns)  # a SELECT, or DML with RETURNING
        self.sql = compiled.string
        self.positional = positional_names(compiled)
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for key, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors[key] = processor

    def _refuse_if_converted(self, column: Any, type_code: Any) -> None:
        if column.type.dialect_impl(self.dialect).result_processor(self.dialect, type_code) is not None:
            raise NeedsResultConversion(
                f"hot statement {self.name!r}: {column} ({column.type}) needs SQLAlchemy's result conversion "
                f"on {self.dialect.name}; select it through conn.execute, or select a column that does not"
            )

    def check_result(self, description: Any) -> None:
        """The columns whose conversion depends on the server's types, against the first result."""
        for i in self.unchecked:
            self._refuse_if_converted(self.columns[i], description[i][1])
        self.unchecked = []

    def args(self, params: dict) -> dict | list:
        values = self.compiled.construct_params(params)
        for key, processor in self.processors.items():
            if key in values:
                values[key] = processor(values[key])
        return values if self.positional is None else [values[key] for key in self.positional]


class HotStatement:
    """`HotStatement(name, stmt)` or `HotStatement(name, lambda dialect_name: stmt)` for dialect-built
    ones; registered under `name` (`registry=None`: not registered, for the parts of a HotInsert)."""

    def __init__(self, name: str, stmt: Built, registry: dict | None = REGISTRY):
        _register(name, self, registry)
        self.name = name
        self._stmt = stmt
        self._by_dialect: dict[str, _Compiled] = {}

    def statement(self, dialect_name: str) -> Executable:
        """The statement as SQLAlchemy would run it (for the tests that compare the two ways)."""
        return self._stmt(dialect_name) if callable(self._stmt) else self._stmt

    def _for(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        compiled = self._by_dialect.get(name)
        if compiled is None:
            compiled = self._by_dialect[name] = _Compiled(self.name, self.statement(name), conn.dialect)
        return compiled

    def _cursor(self, conn: Connection) -> Any:
        if not conn.in_transaction() and not conn.get_execution_options().get("lookup"):
            # SQLAlchemy's autobegin: on SQLite this issues BEGIN (see gridflow.db).  A look-up's
            # connection runs without a transaction (autocommit on both back ends): nothing to begin.
            conn.begin()
        return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def send(self, conn: Connection, params: dict) -> tuple[Any, Connection, _Compiled]:
        """Execute; the cursor holds the result (read it with `_fetch`)."""
        compiled = self._for(conn)
        args = compiled.args(params)
        cursor = self._cursor(conn)
        with driver_errors(conn, compiled.sql, args, cursor):
            cursor.execute(compiled.sql, args)
        return cursor, conn, compiled

    def rows(self, conn: Connection, params: dict) -> list[tuple]:
        return _fetch(*self.send(conn, params))

    def first(self, conn: Connection, params: dict) -> tuple | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None


def _fetch(cursor: Any, conn: Connection, compiled: _Compiled) -> list[tuple]:
    try:
        if not compiled.returns_rows:
            return []
        with driver_errors(conn, cursor=cursor):
            rows = cursor.fetchall()  # in a pipeline, fetching waits for the reply
        if compiled.unchecked:
            compiled.check_result(cursor.description)
        return rows
    finally:
        cursor.close()


def rows_of_each(conn: Connection, calls: list[tuple[HotStatement, dict]]) -> list[list[tuple]]:
    """Run independent statements together (one round trip on PostgreSQL); the rows of each."""
    with pipelined(conn):
        cursors = [hot.send(conn, params) for hot, params in calls]
    return [_fetch(*sent) for sent in cursors]


class HotFamily:
    """Statements of one kind that differ by a key (the outbox: which sources a transaction's events
    have), each built by `build(dialect_name, key)` and compiled once; registered under one name."""

    def __init__(self, name: str, build: Callable[[str, Any], Executable], registry: dict | None = REGISTRY):
        _register(name, self, registry)
        self.name, self.build = name, build
        self._by_key: dict[Hashable, HotStatement] = {}

    def statement(self, key: Hashable) -> HotStatement:
        hot = self._by_key.get(key)
        if hot is None:
            hot = HotStatement(f"{self.name}{key}", partial(self._built, key), registry=None)
            if len(self._by_key) >= FAMILY_SIZE:  # keys come from code, not input: a bound against mistakes
                self._by_key.pop(next(iter(self._by_key)))
            self._by_key[key] = hot
        return hot

    def _built(self, key: Hashable, dialect_name: str) -> Executable:
        return self.build(dialect_name, key)

    def rows(self, conn: Connection, key: Hashable, params: dict) -> list[tuple]:
        return self.statement(key).rows(conn, params)


FAMILY_SIZE = 512


class HotInsert:
    """INSERT of a few rows into `table` as one multi-row statement (one statement whatever the
    driver does with executemany); `columns` name the values each row gives."""

    def __init__(self, name: str, table: Table, columns: list[str], registry: dict | None = REGISTRY):
        _register(name, self, registry)
        self.name, self.table, self.columns = name, table, columns
        self._by_count: dict[int, HotStatement] = {}

    def statement(self, count: int) -> HotStatement:
        hot = self._by_count.get(count)
        if hot is None:
            types = {c: self.table.c[c].type for c in self.columns}
            rows = [{c: bindparam(f"{c}_{i}", type_=types[c]) for c in self.columns} for i in range(count)]
            hot = HotStatement(f"{self.name}[{count}]", insert(self.table).values(rows), registry=None)
            self._by_count[count] = hot
        return hot

    @staticmethod
    def params(rows: list[dict]) -> dict:
        return {f"{c}_{i}": value for i, row in enumerate(rows) for c, value in row.items()}

    def rows(self, conn: Connection, rows: list[dict]) -> None:
        """Insert `rows`.  Nothing is read back, so inside `pipelined` this does not wait for the server
        (an error surfaces when the pipeline ends, before the transaction can commit)."""
        if rows:
            cursor, _, _ = self.statement(len(rows)).send(
                conn, self.params([{c: r[c] for c in self.columns} for r in rows])
            )
            cursor.close()
