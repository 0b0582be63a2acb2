"""Failed notifications (/admin/notifications): the messages given up on after the last retry, with
why, newest first — `deliver.failed`, as `GET /api/v1/notifications/failed` and `gridflow
notifications failed`."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from gridflow.db import get_db
from gridflow.notifications import deliver
from gridflow.schemas.cases import Paging
from gridflow.schemas.parse import parse_query
from gridflow.web import bp, nav
from gridflow.web.auth import role_required
from gridflow.web.forms import Form
from gridflow.web.pages import kept_filters, page_args
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_notifications",
    _l("Failed notifications"),
    roles=(),
    description=_l("Messages that could not be delivered after every retry, and why"),
)
LABELS = {"page": _l("Page"), "per_page": _l("Entries per page")}


@bp.get("/admin/notifications")
@role_required(ADMIN)
def admin_notifications():
    args = page_args()
    form = Form(args, LABELS)
    paging = Paging()
    with form.catching():
        paging = parse_query(Paging, args)
    page = deliver.failed(get_db(), paging.page, paging.per_page)
    return render_template(
        "admin/notifications.html", form=form, page=page, keep=kept_filters(args, "page")
    ), form.status
