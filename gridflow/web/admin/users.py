"""Users and roles (/admin/users): list and filter, add, change role and area, disable and enable,
set a password (typed into a form only; the rule is `passwords.check_password_rule`).  The services
are `people.accounts`, the same as `/api/v1/users` and `gridflow user …`: audited, and a change of
role, area or grids, disabling or a new password ends the user's sessions and tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from gridflow.db import get_db
from gridflow.people import accounts
from gridflow.people.passwords import PASSWORD_MIN_LENGTH
from gridflow.schemas.parse import parse_data, parse_query
from gridflow.schemas.people import UserCreate, UserPatch, UserSearch
from gridflow.web import bp, nav
from gridflow.web.auth import page_caller, role_required
from gridflow.web.forms import Form
from gridflow.web.labels import LABELS as NAMES
from gridflow.web.pages import kept_filters, page_args
from gridflow.workflow.rules import ADMIN, ROLES

nav.add(
    "web.admin_users",
    _l("Users and roles"),
    roles=(),
    description=_l("Add users, change their role and area, disable them, set a password"),
)

LABELS = {
    "username": _l("User name"),
    "name": _l("Full name"),
    "role": _l("Role"),
    "division": _l("Division"),
    "grids": _l("Grids"),
    "staff_no": _l("Staff number"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "password": _l("Password"),
    "q": _l("Name contains"),
    "active": _l("Status"),
    "page": _l("Page"),
    "per_page": _l("Users per page"),
    "user": _l("User"),
}


def role_options() -> list[tuple[str, str]]:
    return [(role, str(NAMES["role"][role])) for role in ROLES]


def _grid_list(text: str) -> list[str]:
    return [code for code in text.replace("，", ",").replace(" ", ",").split(",") if code]


@bp.get("/admin/users")
@role_required(ADMIN)
def admin_users():
    args = page_args()
    form = Form(args, LABELS)
    result = None
    with form.catching():
        result = accounts.list_users(get_db(), page_caller(), parse_query(UserSearch, args))
    if result is None:
        result = accounts.list_users(get_db(), page_caller(), UserSearch())
    keep = kept_filters(args, "page")
    return render_template(
        "admin/users.html", form=form, result=result, role_options=role_options(), keep=keep
    ), form.status


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_user_new():
    form = Form(request.form if request.method == "POST" else {"role": "mediator"}, LABELS)
    if request.method == "POST":
        with form.catching():
            data: dict = {k: v for k, v in request.form.items() if k in LABELS and k != "grids"}
            data["grids"] = _grid_list(form.value("grids"))
            user = accounts.create_user(get_db(), page_caller(), parse_data(UserCreate, data, strict=False))
            flash(gettext("User %(name)s added.", name=user.username), "success")
            return redirect(url_for("web.admin_user", user_id=user.id))
    return render_template(
        "admin/user_new.html", form=form, role_options=role_options(), min_length=PASSWORD_MIN_LENGTH
    ), form.status


def _user_page(user_id: int, change: Form | None = None, password: Form | None = None, active: Form | None = None):
    user = accounts.get_user(get_db(), page_caller(), user_id)
    if change is None:
        change = Form(
            {
                "role": user.role,
                "name": user.name,
                "division": user.division.code if user.division else "",
                "grids": ", ".join(g.code for g in user.grids),
                "email": user.email or "",
                "phone": user.phone or "",
            },
            LABELS,
        )
    forms = [f for f in (change, password, active) if f is not None]
    status = max((f.status for f in forms), default=200)
    return render_template(
        "admin/user.html",
        user=user,
        change=change,
        password=password or Form(labels=LABELS),
        active=active or Form(labels=LABELS),
        role_options=role_options(),
        min_length=PASSWORD_MIN_LENGTH,
    ), status


@bp.route("/admin/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_user(user_id: int):
    if request.method == "GET":
        return _user_page(user_id)
    form = Form(request.form, LABELS)
    with form.catching():
        data: dict = {k: request.form.get(k, "") for k in ("role", "name", "division", "email", "phone")}
        data["grids"] = _grid_list(form.value("grids"))
        for key in ("division", "email", "phone"):
            data[key] = data[key] or None  # blank: cleared
        if not data["name"]:
            data.pop("name")
        patch = parse_data(UserPatch, data, strict=False)
        accounts.update_user(get_db(), page_caller(), user_id, patch)
        flash(gettext("Changes saved."), "success")
        return redirect(url_for("web.admin_user", user_id=user_id))
    return _user_page(user_id, change=form)


@bp.post("/admin/users/<int(max=2147483647):user_id>/password")
@role_required(ADMIN)
def admin_user_password(user_id: int):
    form = Form(MultiDict(), LABELS)  # a password is never sent back
    with form.catching():
        accounts.reset_password(get_db(), page_caller(), user_id, request.form.get("password", ""))
        flash(gettext("The new password is set; the user's sessions and tokens have ended."), "success")
        return redirect(url_for("web.admin_user", user_id=user_id))
    return _user_page(user_id, password=form)


@bp.post("/admin/users/<int(max=2147483647):user_id>/active")
@role_required(ADMIN)
def admin_user_active(user_id: int):
    form = Form(request.form, LABELS)
    with form.catching():
        enable = request.form.get("active") == "1"
        user = accounts.set_active(get_db(), page_caller(), user_id, enable)
        message = (
            gettext("%(name)s is enabled.", name=user.username)
            if enable
            else gettext("%(name)s is disabled: his sessions and tokens have ended.", name=user.username)
        )
        flash(message, "success")
        return redirect(url_for("web.admin_user", user_id=user_id))
    return _user_page(user_id, active=form)
