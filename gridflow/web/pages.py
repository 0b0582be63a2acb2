"""The public description page (what GridFlow is, its API and workflow) and the start page."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.categories import store
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.web import bp, nav
from gridflow.web.auth import current_actor, login_required
from gridflow.workflow import table

nav.add("web.start", _l("Start"), description=_l("Your account and what you can do here"), order=0)
nav.add("web.index", _l("About GridFlow"), description=_l("What GridFlow does, its API and workflow"), order=800)


@bp.get("/")
def index():
    categories = store.list_current(get_db()).items
    return render_template("index.html", rows=table.TABLE, categories=categories, levels=LEVELS_BOTTOM_UP)


@bp.get("/start")
@login_required
def start():
    actor = current_actor()
    items = [item for item in nav.items_for(actor) if item.endpoint != "web.start"]
    return render_template("start.html", items=items, now=utcnow())


def page_args() -> MultiDict:
    """The query string without the language switch's `lang` (every page takes it; no form has it)."""
    args = request.args.copy()
    args.pop("lang", None)
    return args


def kept_filters(args: MultiDict, *dropped: str) -> dict[str, Any]:
    """What a link to another page of a list keeps of the query: every filter set (blank ones and
    `dropped`, such as the page number, left out)."""
    return {k: v for k, v in args.items() if k not in dropped and v}
