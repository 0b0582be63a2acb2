"""Five-in-one grid workers and grid ownership (/admin/workers, /admin/grids/<code>/worker): the
services of `people.workers` (as `/api/v1/workers` and `PUT /api/v1/grids/<code>/worker`), audited;
handing a grid over ends the sessions of its old and new owner."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from gridflow.db import get_db
from gridflow.people import workers
from gridflow.schemas.parse import parse_data, parse_query
from gridflow.schemas.people import GridOwnerInput, WorkerCreate, WorkerSearch
from gridflow.web import bp, nav
from gridflow.web.auth import page_caller, role_required
from gridflow.web.forms import Form
from gridflow.web.pages import kept_filters, page_args
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_workers",
    _l("Grid workers and grids"),
    roles=(),
    description=_l("Five-in-one grid workers, their grids; hand a grid to another worker"),
)
LABELS = {
    "staff_no": _l("Staff number"),
    "name": _l("Name"),
    "phone": _l("Phone"),
    "division": _l("Division"),
    "q": _l("Staff number or name contains"),
    "page": _l("Page"),
    "per_page": _l("Workers per page"),
    "code": _l("Grid"),
}


def _list_page(filters: Form, new: Form):
    args = page_args()
    result = None
    with filters.catching():
        result = workers.list_workers(get_db(), page_caller(), parse_query(WorkerSearch, args))
    if result is None:
        result = workers.list_workers(get_db(), page_caller(), WorkerSearch())
    keep = kept_filters(args, "page")
    status = max(filters.status, new.status)
    return render_template("admin/workers.html", form=filters, new=new, result=result, keep=keep), status


@bp.route("/admin/workers", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_workers():
    new = Form(request.form, LABELS)
    if request.method == "POST":
        with new.catching():
            data = {k: request.form.get(k, "") for k in ("staff_no", "name", "phone")}
            worker = workers.create_worker(get_db(), page_caller(), parse_data(WorkerCreate, data, strict=False))
            flash(gettext("Worker %(name)s (%(no)s) added.", name=worker.name, no=worker.staff_no), "success")
            return redirect(url_for("web.admin_workers", q=worker.staff_no))
    return _list_page(Form(page_args(), LABELS), new)


@bp.route("/admin/grids/<code>/worker", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_grid_owner(code: str):
    owner = workers.grid_owner(get_db(), page_caller(), code)
    form = Form(
        request.form if request.method == "POST" else {"staff_no": owner.worker.staff_no if owner.worker else ""},
        LABELS,
    )
    if request.method == "POST":
        with form.catching():
            inp = parse_data(GridOwnerInput, {"staff_no": form.value("staff_no")}, strict=False)
            done = workers.change_grid_owner(get_db(), page_caller(), code, inp)
            if done.worker:
                flash(
                    gettext(
                        "Grid %(grid)s now belongs to %(name)s (%(no)s).",
                        grid=code,
                        name=done.worker.name,
                        no=done.worker.staff_no,
                    ),
                    "success",
                )
            else:
                flash(gettext("Grid %(grid)s now belongs to nobody.", grid=code), "success")
            return redirect(url_for("web.admin_workers", q=done.worker.staff_no if done.worker else None))
    return render_template("admin/grid_owner.html", owner=owner, form=form), form.status


@bp.get("/admin/grids")
@role_required(ADMIN)
def admin_grid_lookup():
    """A grid by its code (the workers page's form): to its hand-over page."""
    code = request.args.get("code", "").strip()
    return redirect(url_for("web.admin_grid_owner", code=code) if code else url_for("web.admin_workers"))
