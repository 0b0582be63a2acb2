"""Reading categories: the current versions, one category's versions, the versions cases were filed
under, and the report's look-up of its category.

A stored version never changes (an edit inserts the next one), so this process keeps every version it
has read, per database (`Database.memo`): the act, the sweep and the lists find a case's version there
and read it from the database once.  Which version is *current* is never kept: it is read from the
database each time (the report sends `current_version_query` with its other look-ups, in the same
round trip), so an office's edit takes effect at once in every worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, String, and_, bindparam, func, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.db import Database
from gridflow.errors import N_, Invalid, NotFound
from gridflow.models import CategoryVersion
from gridflow.schemas.categories import CategoryHistory, CategoryList, CategoryVersionView, CategoryView
from gridflow.workflow.categories import Category, Limit

Key = tuple[str, int]  # (code, version)


def category_from(row: Any) -> Category:
    """A stored version (an ORM row, or anything with its column names as attributes) as the workflow's
    Category."""
    return Category(
        code=row.code,
        version=row.version,
        name=row.name,
        name_en=row.name_en,
        kind=row.kind,
        duty=row.duty,
        limits={lvl: Limit(getattr(row, f"limit_{lvl}"), getattr(row, f"unit_{lvl}")) for lvl in LEVELS_BOTTOM_UP},
        filing_limit=Limit(row.filing_limit, row.filing_unit),
        verification_limit=Limit(row.verification_limit, row.verification_unit),
        photo_required_on_verification=bool(row.photo_required_on_verification),
        active=bool(row.active),
    )


def version_view(row: CategoryVersion) -> CategoryVersionView:
    return CategoryVersionView(
        **category_from(row).to_dict(), changed_at=row.changed_at, changed_by=row.changed_by, note=row.note
    )


def _memo(db: Database) -> dict[Key, Category]:
    memo: dict[Key, Category] = db.memo.setdefault("category_versions", {})
    return memo


def versions(s: Session | Connection, db: Database, keys: Iterable[Key]) -> dict[Key, Category]:
    """The category versions `keys` (code, version): kept ones from memory, the others in one query."""
    memo = _memo(db)
    wanted = set(keys)
    missing = {code for code, version in wanted if (code, version) not in memo}
    if missing:
        table = CategoryVersion.__table__
        for row in s.execute(select(table).where(table.c.code.in_(missing))):
            memo[(row.code, row.version)] = category_from(row)
    unknown = sorted(k for k in wanted if k not in memo)
    if unknown:
        raise LookupError(f"category version(s) not stored: {', '.join(f'{c} v{v}' for c, v in unknown)}")
    return {k: memo[k] for k in wanted}


def of_case(s: Session, db: Database, case: Any) -> Category:
    """The version of its category the case was filed under (its limits at every level)."""
    key = (case.category, case.category_version)
    return versions(s, db, [key])[key]


def category_of(db: Database, code: str, version: int) -> Category:
    """One version of a category (from memory after its first read)."""
    with db.session() as s:
        return versions(s, db, [(code, version)])[(code, version)]


def codes(s: Session) -> list[str]:
    """Every category code ever stored, in use or not (codes never change across versions)."""
    return list(s.scalars(select(CategoryVersion.code).distinct().order_by(CategoryVersion.code)))


def _current_statement() -> Select:
    latest = (
        select(CategoryVersion.code, func.max(CategoryVersion.version).label("version"))
        .group_by(CategoryVersion.code)
        .subquery()
    )
    return select(CategoryVersion).join(
        latest, and_(CategoryVersion.code == latest.c.code, CategoryVersion.version == latest.c.version)
    )


def current(s: Session, include_disabled: bool = False) -> list[CategoryVersion]:
    """Every category's current version (the highest), by code; the disabled ones only if asked."""
    stmt = _current_statement().order_by(CategoryVersion.code)
    if not include_disabled:
        stmt = stmt.where(CategoryVersion.active.is_(True))
    return list(s.scalars(stmt))


def current_version(s: Session, code: str) -> CategoryVersion:
    """A category's current version (404 if there is no such category)."""
    row = s.scalars(
        select(CategoryVersion).where(CategoryVersion.code == code).order_by(CategoryVersion.version.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(N_("no category %(code)r (see /api/v1/categories)"), field="code", params={"code": code})
    return row


def history(s: Session, code: str) -> list[CategoryVersion]:
    """Every version of a category, oldest first (404 if there is no such category)."""
    rows = list(
        s.scalars(select(CategoryVersion).where(CategoryVersion.code == code).order_by(CategoryVersion.version))
    )
    if not rows:
        raise NotFound(N_("no category %(code)r (see /api/v1/categories)"), field="code", params={"code": code})
    return rows


# -- the use cases that read (each its own unit of work) ------------------------------------------------
def list_current(db: Database, include_disabled: bool = False) -> CategoryList:
    """Every category's current version (GET /api/v1/categories, the pages' category choices)."""
    with db.session() as s:
        return CategoryList(items=[CategoryView(**category_from(r).to_dict()) for r in current(s, include_disabled)])


def category_history(db: Database, code: str) -> CategoryHistory:
    """A category's versions, oldest first, with who changed what when and why."""
    with db.session() as s:
        rows = history(s, code)
        return CategoryHistory(code=code, current=rows[-1].version, items=[version_view(r) for r in rows])


def category_version(db: Database, code: str, version: int) -> CategoryVersionView:
    """One version of a category (the one a case was filed under, say): 404 if it was never stored."""
    with db.session() as s:
        row = s.get(CategoryVersion, (code, version))
        if row is None:
            raise NotFound(
                N_("category %(code)r has no version %(version)d"),
                field="version",
                params={"code": code, "version": version},
            )
        return version_view(row)


def require_known(s: Session, code: str) -> None:
    """422 naming `category` unless the category exists (in any version, disabled or not)."""
    if s.scalar(select(CategoryVersion.code).where(CategoryVersion.code == code).limit(1)) is None:
        raise Invalid(f"unknown category {code!r} (see /api/v1/categories)", field="category")


# -- the report's look-up: which version is current, in the report's first round trip ------------------
def current_version_query() -> Select:
    """The number of a category's current version (parameter `category`): a statement for the hot path,
    which the report sends with its other look-ups (the version itself comes from memory)."""
    return (
        select(CategoryVersion.version)
        .where(CategoryVersion.code == bindparam("category", type_=String))
        .order_by(CategoryVersion.version.desc())
        .limit(1)
    )


def reported_category(conn: Connection, db: Database, code: str, version: int | None, kind: str) -> Category:
    """The current version of the reported category (`version`: its number, None if there is no such
    category); 422 naming `category` if there is none, it is out of use, or it is for the other kind."""
    if version is None:
        raise Invalid(f"unknown category {code!r} (see /api/v1/categories)", field="category")
    category = versions(conn, db, [(code, version)])[(code, version)]
    if not category.active:
        raise Invalid(f"category {code} is no longer in use (see /api/v1/categories)", field="category")
    if category.kind != kind:
        raise Invalid(f"category {code} is for {category.kind} cases, not {kind}", field="category")
    return category
