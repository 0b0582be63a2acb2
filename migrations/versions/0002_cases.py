"""cases

Revision ID: 0002_cases
Revises: 0001_spatial
Create Date: 2026-11-26 16:31:14.800684
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

ACTIVE = sa.text("state IN ('open', 'handling')")  # partial queue indexes: active cases only

revision = "0002_cases"
down_revision = "0001_spatial"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("division_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["division_id"], ["division.id"], name=op.f("fk_user_account_division_id_division")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"], name=op.f("fk_user_account_worker_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_geospatial_table(
        "case_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("risk", sa.String(length=8), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=True),
        sa.Column("reporter_contact", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("level_entered_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("warn_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_flagged_at", sa.DateTime(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("reworks", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("referral", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user_account.id"], name=op.f("fk_case_file_assignee_id_user_account")
        ),
        sa.ForeignKeyConstraint(["city_id"], ["division.id"], name=op.f("fk_case_file_city_id_division")),
        sa.ForeignKeyConstraint(["community_id"], ["division.id"], name=op.f("fk_case_file_community_id_division")),
        sa.ForeignKeyConstraint(["county_id"], ["division.id"], name=op.f("fk_case_file_county_id_division")),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_case_file_entity_id_entity"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_case_file_grid_id_grid")),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["case_file.id"], name=op.f("fk_case_file_merged_into_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_case_file_reporter_id_user_account")
        ),
        sa.ForeignKeyConstraint(["street_id"], ["division.id"], name=op.f("fk_case_file_street_id_division")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("number", name=op.f("uq_case_file_number")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index("ix_case_duplicates", ["category", "lat", "lon", "created_at"], unique=False)
        batch_op.create_index("ix_case_grid_state", ["grid_id", "state"], unique=False)
        batch_op.create_index("ix_case_merged_into", ["merged_into_id"], unique=False)
        batch_op.create_index("ix_case_entity", ["entity_id"], unique=False)
        batch_op.create_index(
            "ix_case_queue_city",
            ["city_id", "level", "deadline"],
            unique=False,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
        batch_op.create_index(
            "ix_case_queue_community",
            ["community_id", "level", "deadline"],
            unique=False,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
        batch_op.create_index(
            "ix_case_queue_county",
            ["county_id", "level", "deadline"],
            unique=False,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
        batch_op.create_index(
            "ix_case_queue_street",
            ["street_id", "level", "deadline"],
            unique=False,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
        batch_op.create_index("ix_case_state_deadline", ["state", "deadline"], unique=False)

    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("performance_deadline", sa.Date(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("confirmation_deadline", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_agreement_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
        sa.UniqueConstraint("case_id", name=op.f("uq_agreement_case_id")),
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=True),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("from_level", sa.String(length=10), nullable=True),
        sa.Column("to_level", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_case_event_actor_id_user_account")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_event_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_event_case_id")),
    )
    op.create_table(
        "case_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_party_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_party")),
    )
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_party_case_id"), ["case_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sa.DateTime(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("performed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_follow_up_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["visitor_id"], ["user_account.id"], name=op.f("fk_follow_up_visitor_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_case_id"), ["case_id"], unique=False)

    op.create_table(
        "mediation_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_mediation_session_case_id_case_file"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["user_account.id"], name=op.f("fk_mediation_session_mediator_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_session")),
    )
    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_session_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_session_case_id"))

    op.drop_table("mediation_session")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_case_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_party_case_id"))

    op.drop_table("case_party")
    op.drop_table("case_event")
    op.drop_table("agreement")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_state_deadline")
        batch_op.drop_index("ix_case_queue_street")
        batch_op.drop_index("ix_case_queue_county")
        batch_op.drop_index("ix_case_queue_community")
        batch_op.drop_index("ix_case_queue_city")
        batch_op.drop_index("ix_case_entity")
        batch_op.drop_index("ix_case_merged_into")
        batch_op.drop_index("ix_case_grid_state")
        batch_op.drop_index("ix_case_duplicates")

    op.drop_geospatial_table("case_file")
    op.drop_table("user_account")
