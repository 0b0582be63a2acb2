"""The administrator's pages (/admin/…): spatial imports with a preview, coverage, users, workers and
grid ownership, categories, the working calendar, the audit log.  Each page parses and renders only:
every change goes through the same audited services as the API and the command line."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from gridflow.web import bp, nav
from gridflow.web.auth import role_required
from gridflow.workflow.rules import ADMIN

nav.add("web.admin", _l("Administration"), roles=(ADMIN,), order=50, description=_l("Every administration page"))


@bp.get("/admin")
@role_required(ADMIN)
def admin():
    return render_template("admin/index.html", items=[i for i in nav.NAV if i.endpoint.startswith("web.admin_")])


from gridflow.web.admin import (  # noqa: E402,F401
    audit,
    calendar,
    categories,
    coverage,
    imports,
    notifications,
    users,
    workers,
)
