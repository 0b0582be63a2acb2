"""Pages for people.  For now the landing page; the grid-worker, mediator and supervisor pages come
with their own issue and will use the JSON API."""

from flask import Blueprint, render_template
from flask_babel import get_locale

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.workflow import table
from gridflow.workflow.categories import CATEGORIES

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index():
    return render_template(
        "index.html",
        rows=table.TABLE,
        categories=CATEGORIES.values(),
        levels=LEVELS_BOTTOM_UP,
        lang=get_locale().language,
    )
