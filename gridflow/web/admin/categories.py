"""Categories and their time limits (/admin/categories): every category's current version, its
history, and a form for the next version (the limit per level, filing and verification limits,
photo on verification), or taking it out of use.  `categories.changes`, as the API and
`gridflow category …`: a change adds a version (cases keep theirs), audited on gridflow.audit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.categories import changes, store
from gridflow.db import get_db
from gridflow.schemas.categories import CategoryChange, CategoryHistory
from gridflow.schemas.parse import parse_data
from gridflow.web import bp, nav
from gridflow.web.auth import page_caller, role_required
from gridflow.web.forms import Form
from gridflow.web.labels import LABELS as NAMES
from gridflow.workflow.categories import UNITS
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_categories",
    _l("Categories and time limits"),
    roles=(),
    description=_l("Time limits per level, filing and verification limits: a change makes a new version"),
)
LIMITS = [f"limits.{level}" for level in LEVELS_BOTTOM_UP] + ["filing_limit", "verification_limit"]
LABELS = {
    **{f"limits.{level}.{part}": NAMES["level"][level] for level in LEVELS_BOTTOM_UP for part in ("amount", "unit")},
    **{f"filing_limit.{part}": _l("Filing limit") for part in ("amount", "unit")},
    **{f"verification_limit.{part}": _l("Verification limit") for part in ("amount", "unit")},
    "name": _l("Category name"),
    "name_en": _l("English name"),
    "note": _l("Why (the notice or decision)"),
    "based_on": _l("Version"),
    "body": _l("Changes"),
}


def unit_options() -> list[tuple[str, str]]:
    return [(unit, str(NAMES["unit"][unit])) for unit in UNITS]


def _current_values(history: CategoryHistory) -> dict:
    current = history.items[-1]
    values = {"based_on": str(current.version), "name": current.name, "name_en": current.name_en, "note": ""}
    for level in LEVELS_BOTTOM_UP:
        limit = current.limits[level]
        values[f"limits.{level}.amount"], values[f"limits.{level}.unit"] = f"{limit.amount:g}", limit.unit
    for key in ("filing_limit", "verification_limit"):
        limit = getattr(current, key)
        values[f"{key}.amount"], values[f"{key}.unit"] = f"{limit.amount:g}", limit.unit
    if current.photo_required_on_verification:
        values["photo_required_on_verification"] = "1"
    return values


def change_body(form: MultiDict) -> dict:
    """The API's CategoryChange body from the form (every limit as typed; the service keeps what is equal)."""
    body: dict = {k: form.get(k, "") for k in ("based_on", "name", "name_en", "note")}
    body["limits"] = {
        level: {"amount": form.get(f"limits.{level}.amount", ""), "unit": form.get(f"limits.{level}.unit", "")}
        for level in LEVELS_BOTTOM_UP
    }
    for key in ("filing_limit", "verification_limit"):
        body[key] = {"amount": form.get(f"{key}.amount", ""), "unit": form.get(f"{key}.unit", "")}
    body["photo_required_on_verification"] = form.get("photo_required_on_verification") == "1"
    return body


@bp.get("/admin/categories")
@role_required(ADMIN)
def admin_categories():
    categories = store.list_current(get_db(), include_disabled=True).items
    return render_template("admin/categories.html", categories=categories, levels=LEVELS_BOTTOM_UP)


@bp.route("/admin/categories/<code>", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_category(code: str):
    history = store.category_history(get_db(), code)
    form = Form(_current_values(history), LABELS)
    if request.method == "POST":
        form = Form(request.form, LABELS)
        with form.catching():
            inp = parse_data(CategoryChange, change_body(request.form), strict=False)
            made = changes.change_category(get_db(), page_caller(), code, inp)
            flash(
                gettext(
                    "Version %(n)d of %(code)s is in use from now on; cases filed before keep theirs.",
                    n=made.version,
                    code=code,
                ),
                "success",
            )
            return redirect(url_for("web.admin_category", code=code))
    return _page(history, form)


@bp.post("/admin/categories/<code>/active")
@role_required(ADMIN)
def admin_category_active(code: str):
    form = Form(request.form, LABELS)
    with form.catching():
        active = request.form.get("active") == "1"
        made = changes.set_active(get_db(), page_caller(), code, active, request.form.get("note") or None)
        flash(
            gettext("Version %(n)d of %(code)s: in use.", n=made.version, code=code)
            if active
            else gettext(
                "Version %(n)d of %(code)s: out of use (no new reports; its cases go on).", n=made.version, code=code
            ),
            "success",
        )
        return redirect(url_for("web.admin_category", code=code))
    history = store.category_history(get_db(), code)
    return _page(history, form)


def _page(history: CategoryHistory, form: Form):
    return render_template(
        "admin/category.html",
        history=history,
        current=history.items[-1],
        form=form,
        levels=LEVELS_BOTTOM_UP,
        unit_options=unit_options(),
    ), form.status
