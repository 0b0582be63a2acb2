"""Categories over HTTP: the current versions (public), a category's versions, and the admin's changes."""

from __future__ import annotations

import re

from gridflow.api import bp
from gridflow.api.auth import caller, login_required
from gridflow.api.spec import api_route
from gridflow.categories import changes, store
from gridflow.db import get_db
from gridflow.errors import NotFound
from gridflow.schemas.categories import (
    CODE_PATTERN,
    CategoryChange,
    CategoryHistory,
    CategoryInput,
    CategoryList,
    CategoryListQuery,
    CategoryVersionView,
    NoteInput,
)

CODE = "<code>"
VERSION = "<int(min=1, max=2147483647):version>"


def _code(code: str) -> str:
    """A path's category code: anything but a code's shape names no category (404)."""
    if not re.match(CODE_PATTERN, code):
        raise NotFound(f"no category {code!r}", field="code")
    return code


@bp.get("/categories")
@api_route(200, CategoryList, query=CategoryListQuery, login=False, tags=("categories",))
def categories(query: CategoryListQuery):
    """Every category's current version: kind, duty, time limit per level, filing and verification
    limits (in use only, unless `include_disabled`).  Cases keep the version they were filed under."""
    return store.list_current(get_db(), query.include_disabled)


@bp.post("/categories")
@login_required
@api_route(201, CategoryVersionView, body=CategoryInput, errors=(403, 409), tags=("categories",))
def add_category(body: CategoryInput):
    """Add a category (admins): its version 1."""
    return changes.add_category(get_db(), caller(), body), 201


@bp.get(f"/categories/{CODE}/versions")
@login_required
@api_route(200, CategoryHistory, errors=(404,), tags=("categories",))
def category_versions(code: str):
    """A category's versions, oldest first: what changed, when, by whom and why."""
    return store.category_history(get_db(), _code(code))


@bp.get(f"/categories/{CODE}/versions/{VERSION}")
@login_required
@api_route(200, CategoryVersionView, errors=(404,), tags=("categories",))
def category_version(code: str, version: int):
    """One version of a category (a case's `category_version` names the one it was filed under)."""
    return store.category_version(get_db(), _code(code), version)


@bp.post(f"/categories/{CODE}/versions")
@login_required
@api_route(201, CategoryVersionView, body=CategoryChange, errors=(403, 404, 409), tags=("categories",))
def change_category(code: str, body: CategoryChange):
    """The next version of a category (admins): only what changes; cases filed before keep theirs."""
    return changes.change_category(get_db(), caller(), _code(code), body), 201


@bp.post(f"/categories/{CODE}/disable")
@login_required
@api_route(201, CategoryVersionView, body=NoteInput, errors=(403, 404, 409), tags=("categories",))
def disable_category(code: str, body: NoteInput):
    """Take a category out of use (admins): a new version; no new reports in it, its cases go on."""
    return changes.set_active(get_db(), caller(), _code(code), False, body.note), 201


@bp.post(f"/categories/{CODE}/enable")
@login_required
@api_route(201, CategoryVersionView, body=NoteInput, errors=(403, 404, 409), tags=("categories",))
def enable_category(code: str, body: NoteInput):
    """Put a category back into use (admins): a new version."""
    return changes.set_active(get_db(), caller(), _code(code), True, body.note), 201
