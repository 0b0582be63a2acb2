"""spatial model

Revision ID: 0001_spatial
Revises:
Create Date: 2026-11-26 16:20:05.353311
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001_spatial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_geospatial_table(
        "division",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "boundary",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["division.id"], name=op.f("fk_division_parent_id_division")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_division")),
        sa.UniqueConstraint("code", name=op.f("uq_division_code")),
    )
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_division_boundary", ["boundary"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_division_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_division_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "worker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_no", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker")),
        sa.UniqueConstraint("staff_no", name=op.f("uq_worker_staff_no")),
    )
    op.create_geospatial_table(
        "grid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column(
            "boundary",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["community_id"], ["division.id"], name=op.f("fk_grid_community_id_division")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], name=op.f("fk_grid_worker_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid")),
        sa.UniqueConstraint("code", name=op.f("uq_grid_code")),
    )
    with op.batch_alter_table("grid", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_grid_boundary", ["boundary"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_grid_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_worker_id"), ["worker_id"], unique=False)

    op.create_geospatial_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("residents", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("straddles", sa.Boolean(), nullable=False),
        sa.Column("unassigned_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_entity_grid_id_grid"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity")),
        sa.UniqueConstraint("ref", name=op.f("uq_entity_ref")),
    )
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_entity_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_entity_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_entity_kind"), ["kind"], unique=False)

    op.create_geospatial_table(
        "road_stretch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_road_stretch_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_road_stretch_grid_id_grid"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_stretch")),
    )
    with op.batch_alter_table("road_stretch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_road_stretch_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_road_stretch_grid_id"), ["grid_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("road_stretch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_road_stretch_grid_id"))
        batch_op.drop_index(batch_op.f("ix_road_stretch_entity_id"))

    op.drop_geospatial_table("road_stretch")
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entity_kind"))
        batch_op.drop_index(batch_op.f("ix_entity_grid_id"))
        batch_op.drop_geospatial_index("idx_entity_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("entity")
    with op.batch_alter_table("grid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_worker_id"))
        batch_op.drop_index(batch_op.f("ix_grid_community_id"))
        batch_op.drop_geospatial_index("idx_grid_boundary", postgresql_using="gist", column_name="boundary")

    op.drop_geospatial_table("grid")
    op.drop_table("worker")
    with op.batch_alter_table("division", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_division_parent_id"))
        batch_op.drop_index(batch_op.f("ix_division_level"))
        batch_op.drop_geospatial_index("idx_division_boundary", postgresql_using="gist", column_name="boundary")

    op.drop_geospatial_table("division")
