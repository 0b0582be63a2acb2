"""What every page template can use: the logged-in user, the navigation, the language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from gridflow.clock import iso_local
from gridflow.web import bp, nav
from gridflow.web.auth import current_actor
from gridflow.web.deadlines import time_left
from gridflow.web.labels import label
from gridflow.web.maps import map_labels, overlay_labels


def switch_language_url(lang: str) -> str:
    """This page again, in `lang` (the query string kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


@bp.app_context_processor
def page_context() -> dict:
    actor = current_actor()
    return {
        "actor": actor,
        "nav_items": nav.items_for(actor),
        "role_name": label(actor.role, "role") if actor else None,
        "area": nav.area_label(actor) if actor else None,
        "switch_language_url": switch_language_url,
    }


bp.add_app_template_filter(iso_local, "iso_local")  # <time datetime="…">: ISO 8601 in China time


bp.add_app_template_global(time_left, "time_left")  # the time bar of a case read model (web.deadlines)
bp.add_app_template_global(map_labels, "map_labels")  # what map.js writes, in the page's language
bp.add_app_template_global(overlay_labels, "overlay_labels")  # what admin-map.js writes on a page's own overlay
