"""Web basics in one place: security headers on every answer, the session cookie, CSRF, the proxy.

- Content-Security-Policy: everything from this server only; no inline script or style, no eval, no
  plugins, no framing, forms post only here.  A view that needs more says so with `relax_csp` (the
  relaxation is per view, so one page's exception never weakens another).
- `Cache-Control: no-store` on every answer except static files: pages and API answers may carry
  personal data or tokens, and a shared office computer's cache must not keep them.
- Session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over https (as the
  proxy says, if `PROXY_HOPS` is set: werkzeug's ProxyFix then believes that many X-Forwarded-*
  hops (see `create_app`); without it those headers are ignored, so a client cannot claim https).
- CSRF (Flask-WTF): every POST/PUT/PATCH/DELETE must carry the session's token (form field
  `csrf_token`, or the `X-CSRFToken` header for htmx).  The JSON API is exempt: it authenticates by
  bearer token, which a browser never sends on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import BadSignature

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",  # data: for icons inside vendor style sheets; blob: for photo previews
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin requests keep their Referer (Flask-WTF checks it on https); other sites get none.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_ENDPOINTS = ("static",)

csrf = CSRFProtect()
# Page routes whose body may exceed MAX_CONTENT_LENGTH: endpoint -> the setting of their own limit.
LARGE_BODIES = {"web.admin_imports": "IMPORT_MAX_BYTES"}


def relax_csp(**directives: str) -> Callable:
    """Widen the policy for one view: `@relax_csp(style_src="'self' 'unsafe-inline'")` replaces that
    directive (underscores for dashes) on this view's answers only."""
    extra = {name.replace("_", "-"): value for name, value in directives.items()}
    unknown = set(extra) - set(CSP)
    if unknown:
        raise ValueError(f"unknown CSP directives: {', '.join(sorted(unknown))}")

    def mark(view: Callable) -> Callable:
        view.csp_relaxed = extra  # type: ignore[attr-defined]
        return view

    return mark


def tile_origin(url: str) -> str | None:
    """The origin of a map tile server other than this one (MAP_TILE_URL), for img-src."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(app: Flask) -> str:
    view = app.view_functions.get(request.endpoint or "")
    policy = CSP | getattr(view, "csp_relaxed", {})
    tiles = tile_origin(app.config.get("MAP_TILE_URL", ""))
    if tiles:  # maps may show the configured tile server's images (nothing else from elsewhere)
        policy = policy | {"img-src": f"{policy['img-src']} {tiles}"}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


FIELD_SESSION = "field"  # a session key: this login was made in the field app (/m/), it lasts longer


def session_lifetime(app: Flask, data) -> timedelta:
    """How long a session lasts after its last request: the field app's logins longer (FIELD_SESSION_LIFETIME)."""
    if data.get(FIELD_SESSION):
        return timedelta(seconds=app.config["FIELD_SESSION_LIFETIME"])
    return app.permanent_session_lifetime


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie session, Secure whenever this request came over https.  A field-app login
    (`session[FIELD_SESSION]`) lasts FIELD_SESSION_LIFETIME, every other PERMANENT_SESSION_LIFETIME: the
    cookie's signed date is checked against the lifetime of the kind of session it holds."""

    def open_session(self, app: Flask, request):
        if not app.secret_key:  # as Flask's: no key, no session
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:  # an API call with a bearer token: no signer built for nothing
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        longest = max(app.permanent_session_lifetime, timedelta(seconds=app.config["FIELD_SESSION_LIFETIME"]))
        try:
            data, signed_at = serializer.loads(value, max_age=int(longest.total_seconds()), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if datetime.now(UTC) - signed_at > session_lifetime(app, data):
            return self.session_class()
        return self.session_class(data)

    def get_expiration_time(self, app: Flask, session):
        if session.permanent:
            return datetime.now(UTC) + session_lifetime(app, session)
        return None

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def should_set_cookie(self, app: Flask, session) -> bool:
        """Static files never (re)set the session cookie: a page's images still loading when its user
        logs out would otherwise bring the old session back with their answers."""
        if (request.endpoint or "").rsplit(".", 1)[-1] in STATIC_ENDPOINTS:
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="gridflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A form's token lives as long as the session that holds it (the session has its own lifetime).
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = SessionCookie()

    @app.before_request
    def _body_limit():
        """Routes that take large files raise the body limit for themselves, before the CSRF check
        reads the form (registered before it: hooks run in order)."""
        setting = LARGE_BODIES.get(request.endpoint or "")
        if setting and request.method == "POST":
            request.max_content_length = app.config[setting]

    csrf.init_app(app)

    @app.after_request
    def _security_headers(response):
        # Each header unless the view set its own (one pass over the response's headers: a
        # setdefault per header searched them once each, on every request).
        present = {name.lower() for name in response.headers.keys()}
        if "content-security-policy" not in present:
            response.headers.add("Content-Security-Policy", content_security_policy(app))
        for name, value in HEADERS.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        if (request.endpoint or "").rsplit(".", 1)[-1] not in STATIC_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
