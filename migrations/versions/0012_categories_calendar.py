"""categories and the working calendar, kept by the office in the database

Categories become versioned rows (`category_version`: an edit inserts the next version, the highest is
current), seeded here with the 30 categories GridFlow shipped in code until now as version 1, with the
default filing limit (4 working hours), verification limit (3 working days) and no photo required on
verification.  Every case keeps the version it was filed under (`case_file.category_version`):
existing cases get version 1, the limits they were filed with.  The working calendar's overrides
(holidays and 调休 working days an office enters before the `holidays` package knows them), the years
it confirmed, and a revision counter per kind of reference data (see gridflow.models.office).

The seed is frozen here, as of this revision: later changes to categories are made by the office
(`gridflow category …`, the admin API), never by editing this list.

Revision ID: 0012_categories_calendar
Revises: 0011_patrols
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012_categories_calendar"
down_revision = "0011_patrols"
branch_labels = None
depends_on = None

LEVELS = ("community", "street", "county", "city")
# fmt: off
SEED = [
    # code, name, English, kind, duty, unit, limits per level (community, street, county, city)
    ("D01", "婚姻家庭纠纷", "marriage and family", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D02", "邻里纠纷", "neighbours", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D03", "房屋宅基地纠纷", "housing and homestead", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D04", "合同纠纷", "contract", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D05", "生产经营纠纷", "production and business", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D06", "损害赔偿纠纷", "damages", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D07", "山林土地纠纷", "forest and land", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D08", "征地拆迁纠纷", "land requisition and demolition", "dispute", "mediation", "working_days", (3, 5, 10, 10)),
    ("D09", "环境污染纠纷", "environmental pollution", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D10", "劳动争议纠纷", "labour", "dispute", "mediation", "working_days", (3, 5, 10, 10)),
    ("D11", "消费纠纷", "consumer", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D12", "医疗纠纷", "medical", "dispute", "mediation", "working_days", (3, 5, 10, 10)),
    ("D13", "道路交通事故纠纷", "road traffic accident", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D14", "物业纠纷", "property management", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("D15", "其他纠纷", "other", "dispute", "mediation", "working_days", (5, 10, 15, 15)),
    ("G01", "暴露垃圾", "exposed rubbish", "incident", "general", "working_days", (1, 2, 3, 3)),
    ("G02", "井盖缺失", "missing manhole cover", "incident", "general", "emergency_hours", (2, 4, 8, 8)),
    ("G03", "公共设施损坏", "damaged public facility", "incident", "general", "working_days", (3, 5, 7, 7)),
    ("G04", "人口信息变动", "population change", "incident", "general", "working_days", (3, 5, 5, 5)),
    ("G05", "便民服务诉求", "service request", "incident", "general", "working_days", (2, 3, 5, 5)),
    ("S01", "信访苗头", "brewing petition", "incident", "stability", "working_hours", (8, 16, 24, 24)),
    ("S02", "群体性事件苗头", "possible group incident", "incident", "stability", "emergency_hours", (4, 8, 12, 12)),
    ("S03", "不稳定因素", "rumour of gathering", "incident", "stability", "emergency_hours", (12, 24, 24, 24)),
    ("A01", "消防隐患", "fire hazard", "incident", "safety", "working_hours", (8, 16, 24, 24)),
    ("A02", "燃气泄漏", "gas leak", "incident", "safety", "emergency_hours", (2, 4, 6, 6)),
    ("A03", "违章建筑", "illegal construction", "incident", "safety", "working_days", (15, 15, 20, 20)),
    ("A04", "危险化学品隐患", "hazardous goods", "incident", "safety", "emergency_hours", (4, 8, 12, 12)),
    ("O01", "盗窃", "theft", "incident", "order", "emergency_hours", (24, 48, 72, 72)),
    ("O02", "可疑人员", "suspicious person", "incident", "order", "emergency_hours", (4, 8, 12, 12)),
    ("O03", "涉赌涉毒线索", "drugs or gambling lead", "incident", "order", "working_days", (1, 2, 3, 3)),
]
# fmt: on


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account"), ondelete="SET NULL"
    )


def upgrade() -> None:
    limits = [
        c
        for level in LEVELS
        for c in (
            sa.Column(f"limit_{level}", sa.Float(), nullable=False),
            sa.Column(f"unit_{level}", sa.String(length=16), nullable=False),
        )
    ]
    versions = op.create_table(
        "category_version",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("duty", sa.String(length=16), nullable=False),
        *limits,
        sa.Column("filing_limit", sa.Float(), nullable=False),
        sa.Column("filing_unit", sa.String(length=16), nullable=False),
        sa.Column("verification_limit", sa.Float(), nullable=False),
        sa.Column("verification_unit", sa.String(length=16), nullable=False),
        sa.Column("photo_required_on_verification", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _user_fk("category_version", "changed_by_id"),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_category_version")),
    )
    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        _user_fk("calendar_override", "changed_by_id"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_override")),
    )
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _user_fk("calendar_year", "confirmed_by_id"),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.create_table(
        "data_revision",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_revision")),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        versions,
        [
            {
                "code": code,
                "version": 1,
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "duty": duty,
                **{f"limit_{level}": float(amount) for level, amount in zip(LEVELS, amounts)},
                **{f"unit_{level}": unit for level in LEVELS},
                "filing_limit": 4.0,
                "filing_unit": "working_hours",
                "verification_limit": 3.0,
                "verification_unit": "working_days",
                "photo_required_on_verification": False,
                "active": True,
                "changed_at": now,
                "changed_by_id": None,
                "changed_by": "migration 0012",
                "note": "GridFlow's categories until then (in code)",
            }
            for code, name, name_en, kind, duty, unit, amounts in SEED
        ],
    )
    # A plain ADD COLUMN on both back ends (a batch rebuild of case_file on SQLite would have to move
    # every table that points at it); every existing case was filed under version 1's limits.
    op.add_column("case_file", sa.Column("category_version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    op.drop_column("case_file", "category_version")
    op.drop_table("data_revision")
    op.drop_table("calendar_year")
    op.drop_table("calendar_override")
    op.drop_table("category_version")
