"""Pages for people: server-rendered Jinja2, htmx for small enhancements (README, "Pages").

What every page stands on lives here, and later pages reuse it:
- `auth`: who is logged in (`current_actor`, the same `Actor` the API resolves), `login_required`,
  `role_required`, and `log_in`/`log_out`;
- `forms`: `Form`, the submitted values and the domain's errors by field, for the macros in
  `templates/macros/forms.html` (error summary, labelled fields);
- `nav`: the navigation by role (`nav.add(...)`), the page each role lands on;
- `labels`: names of roles, levels, states, events, duties … in the page's language (`|label("state")`);
- `errors`: HTML error pages for browsers (the API keeps its JSON);
- `maps` and templates/macros/map.html + static/js/map.js: maps of GridFlow's own GeoJSON;
- `deadlines`: the share of a case's time used (its time bar); templates/macros/cases.html: a case's
  deadline, marks, state, place and its action buttons;
- `templates/base.html`: the layout (header with name, role, area, language switch, notification
  bell slot, navigation; skip link; main landmark); `notices` fills the bell (htmx) and serves the
  notifications list and settings pages.
"""

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates")

from gridflow.web import (  # noqa: E402,F401  (routes register on import)
    account,
    admin,
    casefile,
    context,
    dashboard,
    documents,
    labels,
    maps,
    notices,
    pages,
    patrols,
    queue,
    timeline,
)
