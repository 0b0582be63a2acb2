"""The field app at /m/: a phone web app (PWA) for grid workers, built on the JSON API (README, "Field app").

The server side is small: the login form and the app shell (`views`), a bearer token for the app's API
calls made from the page session, the service worker served from /m/sw.js (so that its scope is /m/)
and the web app manifest.  Everything else happens on the phone: static/field/app.js (the app: my
grids, report, my work, patrol, the queue of what waits to be sent) and static/field/sw.js (the
offline cache).
"""

from flask import Blueprint

bp = Blueprint("field", __name__, url_prefix="/m", template_folder="templates")

from gridflow.field import views  # noqa: E402,F401  (routes register on import)
