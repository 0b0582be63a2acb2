"""Uploading divisions, grids and entities (/admin/imports): the file is kept server-side under a
token (places.uploads), previewed by a dry run of the import itself (every problem with its feature,
overlaps with both codes and m², the entities that would move) and on a map, then imported by the
same service as `gridflow import-…`, audited."""

from __future__ import annotations

import json

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from geo.crs import CRS_NAMES
from geo.features import InvalidFeatures, Problem
from gridflow.db import get_db
from gridflow.errors import N_, Invalid
from gridflow.places import uploads
from gridflow.places.gridcheck import OverlappingGrids
from gridflow.web import bp, nav
from gridflow.web.auth import page_caller, role_required
from gridflow.web.forms import Form, in_page_language
from gridflow.workflow.rules import ADMIN

nav.add(
    "web.admin_imports",
    _l("Import places"),
    roles=(),  # listed on the administration page
    description=_l("Upload divisions, grids or entities (GeoJSON), check them on a map, then import them"),
)

KIND_NAMES = {
    "divisions": _l("Divisions"),
    "grids": _l("Grids"),
    "entities": _l("Entities (residences, shops, units, roads)"),
}
CRS_LABELS = {
    "wgs84": _l("WGS-84 (GPS, standard GeoJSON)"),
    "gcj02": _l("GCJ-02 (Chinese web maps)"),
    "bd09": _l("BD-09 (Baidu maps)"),
}
LABELS = {"kind": _l("What the file holds"), "crs": _l("Coordinates"), "file": _l("GeoJSON file")}


def _instance() -> str:
    return current_app.config["INSTANCE_PATH"]


def _tolerance() -> float:
    return current_app.config["COVERAGE_TOLERANCE_M2"]


@bp.app_template_filter("problem")
def problem_text(problem: Problem) -> str:
    """A file's problem in the page's language (its English template and parameters)."""
    return in_page_language(problem.template or problem.message, problem.params)


@bp.route("/admin/imports", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_imports():
    form = Form(request.form if request.method == "POST" else {"crs": "wgs84"}, LABELS)
    if request.method == "POST":
        with form.catching():
            sent = request.files.get("file")
            raw = sent.read() if sent else b""
            upload = uploads.keep(
                _instance(), page_caller(), form.value("kind"), _crs(form), sent.filename if sent else None, raw
            )
            return redirect(url_for("web.admin_import_preview", token=upload.token))
    return _form_page(form)


def _crs(form: Form) -> str:
    crs = form.value("crs")
    if crs not in CRS_NAMES:
        raise Invalid(N_("choose the coordinates of the file"), field="crs")
    return crs


def _form_page(form: Form):
    return (
        render_template(
            "admin/imports.html",
            form=form,
            kinds=list(KIND_NAMES.items()),
            crs_options=list(CRS_LABELS.items()),
            max_mb=current_app.config["IMPORT_MAX_BYTES"] / 1e6,
        ),
        form.status,
    )


def _loaded(token: str):
    upload, raw = uploads.load(_instance(), page_caller(), token)
    return upload, uploads.read_geojson(raw, upload.name)


@bp.route("/admin/imports/<token>", methods=["GET", "POST"])
@role_required(ADMIN)
def admin_import_preview(token: str):
    upload, data = _loaded(token)
    caller = page_caller()
    if request.method == "POST":
        try:
            records = uploads.parse(upload.kind, data, upload.crs)
            summary = uploads.run_import(
                get_db(), caller, upload.kind, records, upload.source, tolerance_m2=_tolerance()
            )
        except (InvalidFeatures, OverlappingGrids):
            pass  # changed since the preview (another import): the preview again shows why
        else:
            uploads.discard(_instance(), token)
            return render_template("admin/import_done.html", upload=upload, summary=summary, kind_names=KIND_NAMES)
    preview = uploads.dry_run(get_db(), caller, upload.kind, data, upload.crs, _tolerance())
    status = 200 if preview.importable else 422
    return render_template(
        "admin/import_preview.html",
        upload=upload,
        preview=preview,
        kind_names=KIND_NAMES,
        crs_labels=CRS_LABELS,
        refused_now=request.method == "POST",
    ), status


@bp.get("/admin/imports/<token>/map.geojson")
@role_required(ADMIN)
def admin_import_map(token: str):
    upload, data = _loaded(token)
    check = uploads.grid_check(get_db(), page_caller(), upload.kind, data, upload.crs, _tolerance())
    layer = uploads.preview_layer(upload.kind, data, upload.crs, check)
    return current_app.response_class(json.dumps(layer, ensure_ascii=False), mimetype="application/geo+json")
