"""Alembic environment for both back ends (SpatiaLite and PostGIS).

GeoAlchemy2's alembic helpers create spatial columns and indexes the right way on each back end;
the pitfalls they leave are handled here (see the comments).
"""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import text

from gridflow.compat import register_spatial_tables
from gridflow.db import make_engine
from gridflow.models import Base

config = context.config
target_metadata = Base.metadata

# SpatiaLite's own tables (and PostGIS's spatial_ref_sys) are not ours: never diff them.
_FOREIGN_TABLES = {
    "SpatialIndex",
    "KNN",
    "KNN2",
    "ElementaryGeometries",
    "data_licenses",
    "sql_statements_log",
    "spatialite_history",
    "geom_cols_ref_sys",
    "sqlite_sequence",
}
_FOREIGN_PREFIXES = (
    "vector_layers",
    "spatial_ref_sys",
    "geometry_columns",
    "views_geometry_columns",
    "virts_geometry_columns",
    "idx_",
    "gpkg_",
    "vgpkg_",
    "spatialite_",
    "KNN",
    "case_search",  # the FTS5 index of case texts (SQLite) and its shadow tables: see migration 0019
)
# Indexes made by migrations alone (their form differs by back end and the models cannot state it).
_MIGRATION_ONLY_INDEXES = ("ix_case_trgm_",)


def include_object(obj, name, obj_type, reflected, compare_to):
    if obj_type == "table" and (name in _FOREIGN_TABLES or name.startswith(_FOREIGN_PREFIXES)):
        return False
    if obj_type == "index" and name and name.startswith(_MIGRATION_ONLY_INDEXES):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def run_migrations_online() -> None:
    # gridflow.migrate hands over the database (`gridflow db …`): the app's settings decide it.
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            is_sqlite = connection.dialect.name == "sqlite"
            if is_sqlite:
                # Batch rebuilds on SQLite drop the spatial registration unless the helpers know which
                # tables are spatial; reading geometry_columns opens a transaction in SQLAlchemy 2, which
                # must be committed or the whole migration is silently rolled back.
                rows = connection.execute(text("SELECT f_table_name FROM geometry_columns")).all()
                register_spatial_tables(r[0] for r in rows)
                connection.commit()
            else:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                connection.commit()
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                include_object=include_object,
                render_item=alembic_helpers.render_item,
                process_revision_directives=alembic_helpers.writer,
                render_as_batch=is_sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:  # also when a command fails (alembic check finding differences, say)
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: spatial DDL depends on the live back end")
run_migrations_online()
