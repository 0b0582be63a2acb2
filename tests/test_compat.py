"""The private APIs of dependencies that gridflow.compat wraps: these fail on an upgrade that moves
or changes them (then fix gridflow.compat, the one place that uses each)."""

from __future__ import annotations

from geoalchemy2 import alembic_helpers
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from gridflow.compat import positional_names, register_spatial_tables
from gridflow.models import CaseCounter


def test_geoalchemy2_still_keeps_the_spatial_tables_of_a_migration_in_a_set():
    assert isinstance(alembic_helpers._SPATIAL_TABLES, set)
    register_spatial_tables(["compat_probe"])
    try:
        assert "compat_probe" in alembic_helpers._SPATIAL_TABLES
    finally:
        alembic_helpers._SPATIAL_TABLES.discard("compat_probe")


def test_sqlalchemy_still_names_the_positional_parameters_in_order():
    stmt = select(CaseCounter.value).where(CaseCounter.value > bindparam("low"), CaseCounter.prefix == bindparam("p"))
    assert positional_names(stmt.compile(dialect=sqlite.dialect())) == ["low", "p"]  # qmark: positional
    assert positional_names(stmt.compile(dialect=postgresql.psycopg.dialect())) is None  # pyformat: named
