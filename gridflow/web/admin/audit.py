"""The audit log (/admin/audit): entries newest first with the API's filters (actor, kind or family,
subject, from, to) and, on request (`verify=1`: it reads every entry, about 0.2 ms each), whether its
keyed chain and anchor verify (`audit.read`, as `GET /api/v1/audit` and `gridflow audit [--verify]`)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from gridflow.audit import read
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.schemas.audit import AuditSearch
from gridflow.schemas.parse import parse_query
from gridflow.web import bp, nav
from gridflow.web.auth import logged_in_actor, role_required
from gridflow.web.forms import Form
from gridflow.web.pages import kept_filters, page_args
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_audit",
    _l("Audit log"),
    roles=(),
    description=_l("Who changed what and when, and whether the log is intact"),
)
LABELS = {
    "actor": _l("Done by"),
    "kind": _l("What"),
    "subject": _l("About"),
    "from": _l("From"),
    "to": _l("Until"),
    "page": _l("Page"),
    "per_page": _l("Entries per page"),
}
KIND_FAMILIES = {  # the `kind` filter's choices: families of kinds (login: login.success, login.failure …)
    "login": _l("logging in"),
    "logout": _l("logging out"),
    "password": _l("own password changes"),
    "user": _l("users"),
    "worker": _l("worker records"),
    "grid": _l("grid owners"),
    "import": _l("imports"),
    "personal": _l("personal data revealed"),
    "category": _l("categories"),
    "calendar": _l("working calendar"),
    "setting": _l("settings"),
}


@bp.get("/admin/audit")
@role_required(ADMIN)
def admin_audit():
    args = page_args()
    verify = args.pop("verify", None) == "1"  # reads every entry: on request only (bench/admin.py)
    form = Form(args, LABELS)
    page = None
    with form.catching():
        page = read.search(get_db(), logged_in_actor(), parse_query(AuditSearch, args))
    if page is None:
        page = read.search(get_db(), logged_in_actor(), AuditSearch())
    check, entries = read.verify(get_db(), chain_keys(current_app.config)) if verify else (None, 0)
    keep = kept_filters(args, "page")
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        check=check,
        entries=entries,
        keep=keep,
        families=[(k, str(v)) for k, v in KIND_FAMILIES.items()],
    ), form.status
