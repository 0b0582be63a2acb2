"""The private APIs of dependencies GridFlow relies on, each in one place, each with a test
(tests/test_compat.py) that fails on an upgrade that moves or changes it."""

from __future__ import annotations

from collections.abc import Iterable

from geoalchemy2 import alembic_helpers
from sqlalchemy.sql.compiler import SQLCompiler


def register_spatial_tables(names: Iterable[str]) -> None:
    """Tell GeoAlchemy2's Alembic helpers which SQLite tables are spatial.  Batch rebuilds on SQLite
    (every ALTER there is a copy of the table) drop the spatial registration of a table the helpers
    do not know; GeoAlchemy2 only learns of tables it created in the same run
    (`alembic_helpers._SPATIAL_TABLES`)."""
    alembic_helpers._SPATIAL_TABLES.update(names)


def positional_names(compiled: SQLCompiler) -> list[str] | None:
    """The bind names of a compiled statement in the order of its positional parameters (`?`, `%s`),
    or None for named parameter styles.  SQLAlchemy keeps it as `compiled.positiontup` (documented
    as internal)."""
    names = compiled.positiontup
    return None if names is None else list(names)
