"""patrols: a grid worker's walks, their positions and the entities visited

Revision ID: 0011_patrols
Revises: 0010_attachments
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_patrols"
down_revision = "0010_attachments"
branch_labels = None
depends_on = None

OPEN = sa.text("ended_at IS NULL")
GIVEN = sa.text("client_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "patrol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_patrol_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol")),
    )
    op.create_index("ix_patrol_user_started", "patrol", ["user_id", "started_at"], unique=False)
    op.create_index("ix_patrol_open", "patrol", ["user_id"], unique=True, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index(
        "ix_patrol_client", "patrol", ["user_id", "client_id"], unique=True, postgresql_where=GIVEN, sqlite_where=GIVEN
    )
    op.create_table(
        "patrol_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_point_patrol_id_patrol"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_patrol_point_grid_id_grid"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_point")),
    )
    op.create_index("ix_patrol_point_patrol_at", "patrol_point", ["patrol_id", "at"], unique=False)
    op.create_table(
        "patrol_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_batch_patrol_id_patrol"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_batch")),
        sa.UniqueConstraint("patrol_id", "client_id", name=op.f("uq_patrol_batch_patrol_id")),
    )
    op.create_table(
        "patrol_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("entity_ref", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_patrol_visit_entity_id_entity"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_visit_patrol_id_patrol"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_visit")),
    )
    op.create_index(op.f("ix_patrol_visit_entity_id"), "patrol_visit", ["entity_id"], unique=False)
    op.create_index(op.f("ix_patrol_visit_patrol_id"), "patrol_visit", ["patrol_id"], unique=False)


def downgrade() -> None:
    op.drop_table("patrol_visit")
    op.drop_table("patrol_batch")
    op.drop_table("patrol_point")
    op.drop_table("patrol")
