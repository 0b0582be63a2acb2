"""SpatiaLite: without the triggers that time-stamp every write of a table with a geometry column

SpatiaLite gives each geometry column three triggers (`tmi_`, `tmu_`, `tmd_<table>_<column>`) that
write the time of the table's last INSERT, UPDATE and DELETE into `geometry_columns_time`, for its
layer statistics.  GridFlow reads neither; the triggers ran on every report and every case event (the
UPDATE one fires on any column), each an UPDATE of that table: about 25 µs and one more page written
per report.  The triggers that check a geometry's type and SRID (`ggi_`, `ggu_`) stay.

Revision ID: 0022_spatialite_time_triggers
Revises: 0021_case_tally
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_spatialite_time_triggers"
down_revision = "0021_case_tally"
branch_labels = None
depends_on = None

# What SpatiaLite 5 creates (as found in a database it made), to put back on downgrade.
TRIGGERS = {
    "tmi": ("INSERT", "last_insert"),
    "tmu": ("UPDATE", "last_update"),
    "tmd": ("DELETE", "last_delete"),
}


def _geometry_columns() -> list[tuple[str, str]]:
    rows = op.get_bind().execute(sa.text("SELECT f_table_name, f_geometry_column FROM geometry_columns"))
    return [(table, column) for table, column in rows]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in _geometry_columns():
        for prefix in TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS "{prefix}_{table}_{column}"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in _geometry_columns():
        for prefix, (action, stamp) in TRIGGERS.items():
            op.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{prefix}_{table}_{column}" AFTER {action} ON "{table}"\n'
                f"FOR EACH ROW BEGIN\n"
                f"UPDATE geometry_columns_time SET {stamp} = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')\n"
                f"WHERE Lower(f_table_name) = Lower('{table}') AND Lower(f_geometry_column) = Lower('{column}');\n"
                f"END"
            )
