"""The model's indexes against the database's, predicates included.

Alembic compares index names and columns but not the WHERE of a partial index, and the queue, sweep
and duplicate queries are fast only while their SQL states those predicates exactly (the predicates
are defined once, in gridflow.models.cases).  `index_drift` tells every difference; a test runs it on
both back ends, and `gridflow db check` runs it after Alembic's own check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, Index, Table, text
from sqlalchemy.schema import CreateIndex

from gridflow.models import Base

SPATIAL_PREFIX = "idx_"  # spatial indexes: GeoAlchemy2 makes them its own way on each back end


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.replace('"', "")).strip().rstrip(";")


def _definition_sqlite(conn: Connection, index: Index) -> tuple[str, str | None]:
    expected = _normal(str(CreateIndex(index).compile(dialect=conn.dialect)))
    stored = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"), {"n": index.name})
    actual = stored.scalar()
    return expected, None if actual is None else _normal(actual)


def _definition_postgresql(conn: Connection, index: Index) -> tuple[str, str | None]:
    """PostgreSQL keeps a definition in its own canonical spelling: the model's index is created on an
    empty temporary copy of its table (no lock on, no scan of the real one) and read back the same way."""
    table: Table = index.table  # type: ignore[assignment]
    probe = f"gridflow_probe_{table.name}"
    with conn.begin_nested():
        conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {probe} (LIKE {table.name})"))
        ddl = str(CreateIndex(index).compile(dialect=conn.dialect))
        ddl = re.sub(rf"\bON {table.name}\b", f"ON {probe}", ddl.replace(f"INDEX {index.name} ", "INDEX probe_index "))
        conn.execute(text(ddl))
        expected = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'probe_index'")).scalar()
        conn.execute(text("DROP INDEX probe_index"))
    actual = conn.execute(
        text("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = :n"),
        {"n": index.name},
    ).scalar()

    def body(definition: str) -> str:  # what follows "ON <schema>.<table>": method, columns, predicate
        return _normal(definition.split(" USING ", 1)[1])

    assert expected is not None  # just created
    return body(expected), None if actual is None else body(actual)


def model_indexes(tables: Iterable[Table] | None = None) -> list[Index]:
    tables = Base.metadata.sorted_tables if tables is None else tables
    return sorted(
        (i for t in tables for i in t.indexes if not str(i.name).startswith(SPATIAL_PREFIX)), key=lambda i: str(i.name)
    )


def index_drift(conn: Connection, indexes: Iterable[Index] | None = None) -> list[str]:
    """Every model index the database lacks or defines otherwise (columns, uniqueness, predicate)."""
    definition = _definition_postgresql if conn.dialect.name == "postgresql" else _definition_sqlite
    problems = []
    for index in model_indexes() if indexes is None else indexes:
        expected, actual = definition(conn, index)
        if actual is None:
            problems.append(f"{index.name}: missing from the database")
        elif actual != expected:
            problems.append(f"{index.name}: the model says {expected!r}, the database holds {actual!r}")
    return problems
