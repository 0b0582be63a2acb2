"""Changing categories (admins): add one, make its next version, take it out of use or back.

A stored version is never changed: every change inserts the next version (the current one is the
highest), so the cases filed under an earlier version keep its limits, and the versions a process keeps
in memory stay true.  Two changes made at once from the same version cannot both be stored: the second
finds its version number taken and is told to reload (409).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.exc import IntegrityError

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.audit.log import Caller
from gridflow.categories.store import category_from, current_version, version_view
from gridflow.changelog import record_change
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import N_, Conflict, Invalid
from gridflow.models import CategoryVersion
from gridflow.people.access import require_admin
from gridflow.schemas.categories import CategoryChange, CategoryInput, CategoryVersionView
from gridflow.workflow.categories import Category
from gridflow.workflow.rules import Actor


def _row(category: Category, actor: Actor, note: str | None) -> CategoryVersion:
    limits: dict[str, float | str] = {}
    for level in LEVELS_BOTTOM_UP:
        limits[f"limit_{level}"] = category.limit(level).amount
        limits[f"unit_{level}"] = category.limit(level).unit
    return CategoryVersion(
        code=category.code,
        version=category.version,
        name=category.name,
        name_en=category.name_en,
        kind=category.kind,
        duty=category.duty,
        **limits,
        filing_limit=category.filing_limit.amount,
        filing_unit=category.filing_limit.unit,
        verification_limit=category.verification_limit.amount,
        verification_unit=category.verification_limit.unit,
        photo_required_on_verification=category.photo_required_on_verification,
        active=category.active,
        changed_at=utcnow(),
        changed_by_id=actor.id,
        changed_by=actor.name,
        note=note,
    )


def _store(db: Database, caller: Caller, category: Category, note: str | None, action: str, taken: str):
    """Insert `category` as a new version in its own transaction (409 saying `taken` if that version is
    stored already: the key decides, so two changes at once cannot both be stored)."""
    try:
        with db.session(write=True) as s:
            row = _row(category, caller.actor, note)
            s.add(row)
            s.flush()
            record_change(s, caller, action, f"{category.code} v{category.version}", note=note, **category.to_dict())
            return version_view(row)
    except IntegrityError:
        raise Conflict(taken, field="code") from None


def add_category(db: Database, caller: Caller, inp: CategoryInput) -> CategoryVersionView:
    """A new category, version 1 (409 if the code is taken, whether in use or not)."""
    require_admin(caller.actor)
    category = Category(
        code=inp.code,
        version=1,
        name=inp.name,
        name_en=inp.name_en,
        kind=inp.kind,
        duty=inp.duty,
        limits={level: getattr(inp.limits, level).limit() for level in LEVELS_BOTTOM_UP},
        filing_limit=inp.filing_limit.limit(),
        verification_limit=inp.verification_limit.limit(),
        photo_required_on_verification=inp.photo_required_on_verification,
    )
    taken = f"category {inp.code} exists: change it with a new version"
    return _store(db, caller, category, inp.note, "category.add", taken)


def _changed(current: Category, inp: CategoryChange) -> Category:
    if inp.kind is not None and inp.kind != current.kind:
        raise Invalid(
            f"a category's kind never changes ({current.code} is for {current.kind} cases): add a new category",
            field="kind",
        )
    limits = dict(current.limits)
    for level in LEVELS_BOTTOM_UP:
        given = getattr(inp.limits, level) if inp.limits is not None else None
        if given is not None:
            limits[level] = given.limit()
    return replace(
        current,
        version=current.version + 1,
        name=inp.name or current.name,
        name_en=inp.name_en or current.name_en,
        duty=inp.duty or current.duty,
        limits=limits,
        filing_limit=inp.filing_limit.limit() if inp.filing_limit else current.filing_limit,
        verification_limit=inp.verification_limit.limit() if inp.verification_limit else current.verification_limit,
        photo_required_on_verification=current.photo_required_on_verification
        if inp.photo_required_on_verification is None
        else inp.photo_required_on_verification,
        active=current.active if inp.active is None else inp.active,
    )


def change_category(db: Database, caller: Caller, code: str, inp: CategoryChange) -> CategoryVersionView:
    """The next version of a category: the current one with the changes given.  Cases filed before
    keep the version they were filed under.  409 if `based_on` is not the current version; 422 if
    nothing would change."""
    require_admin(caller.actor)
    with db.session() as s:
        current = category_from(current_version(s, code))
    if inp.based_on is not None and inp.based_on != current.version:
        raise Conflict(
            f"category {code} is at version {current.version}, not {inp.based_on}: reload it",
            field="based_on",
            current_version=current.version,
        )
    new = _changed(current, inp)
    if replace(new, version=current.version) == current:
        raise Invalid(
            N_("nothing changes: version %(version)d of %(code)s is like that already"),
            field="body",
            params={"version": current.version, "code": code},
        )
    action = "category.change"
    if new.active != current.active:
        action = "category.enable" if new.active else "category.disable"
    taken = f"category {code} changed meanwhile (version {new.version} exists): reload it"
    return _store(db, caller, new, inp.note, action, taken)


def set_active(db: Database, caller: Caller, code: str, active: bool, note: str | None = None) -> CategoryVersionView:
    """Take a category out of use (no new reports in it; its cases go on) or back into use: a new
    version (409 if it is so already)."""
    require_admin(caller.actor)
    with db.session() as s:
        current = current_version(s, code)
    if current.active == active:
        already = N_("category %(code)s is in use already") if active else N_("category %(code)s is out of use already")
        raise Conflict(already, field="code", params={"code": code})
    return change_category(db, caller, code, CategoryChange(based_on=current.version, active=active, note=note))
