"""case search: the case's address, and substring indexes over description and address (SQLite: an
FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm GIN indexes)

Revision ID: 0019_case_search
Revises: 0018_supervised_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_case_search"
down_revision = "0018_supervised_index"
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over case_file (no second copy of the texts), kept by triggers.
# The triggers fire on INSERT, DELETE and on an UPDATE of the texts only, so events cost nothing here.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE case_search USING fts5(description, address, content='case_file', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER case_search_ai AFTER INSERT ON case_file BEGIN "
    "INSERT INTO case_search(rowid, description, address) VALUES (new.id, new.description, new.address); END",
    "CREATE TRIGGER case_search_ad AFTER DELETE ON case_file BEGIN "
    "INSERT INTO case_search(case_search, rowid, description, address) "
    "VALUES ('delete', old.id, old.description, old.address); END",
    "CREATE TRIGGER case_search_au AFTER UPDATE OF description, address ON case_file BEGIN "
    "INSERT INTO case_search(case_search, rowid, description, address) "
    "VALUES ('delete', old.id, old.description, old.address); "
    "INSERT INTO case_search(rowid, description, address) VALUES (new.id, new.description, new.address); END",
    "INSERT INTO case_search(case_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS case_search_au",
    "DROP TRIGGER IF EXISTS case_search_ad",
    "DROP TRIGGER IF EXISTS case_search_ai",
    "DROP TABLE IF EXISTS case_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_case_trgm_description ON case_file USING gin (description gin_trgm_ops)",
    "CREATE INDEX ix_case_trgm_address ON case_file USING gin (address gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_case_trgm_address", "DROP INDEX IF EXISTS ix_case_trgm_description"]


def upgrade() -> None:
    # A plain ADD COLUMN on both back ends (no batch rebuild of case_file, see 0006).
    op.add_column("case_file", sa.Column("address", sa.String(length=300), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DOWN if sqlite else POSTGRES_DOWN:
        op.execute(statement)
    op.drop_column("case_file", "address")
