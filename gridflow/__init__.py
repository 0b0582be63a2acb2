"""GridFlow: grid management and case workflow for community governance."""

from __future__ import annotations

import logging

from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    """The app, configured from the environment (see `gridflow.settings`) and `overrides`.  Production:
    `gunicorn 'gridflow:create_app()'`."""
    from gridflow import settings

    config, notes = settings.load(overrides=overrides)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"])
    # JSON as written (UTF-8, keys in the order built): Chinese text stays readable and the busiest
    # responses skip escaping and sorting.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(config)
    if app.config["PROXY_HOPS"]:  # behind nginx: the client's address and scheme from its headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from gridflow import cli, db, i18n, logs, security
    from gridflow.api import errors

    logs.init_app(app)
    for note in notes:
        logging.getLogger("gridflow.settings").warning(note)
    db.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    from gridflow.api import bp as api_bp
    from gridflow.api.health import bp as health_bp
    from gridflow.field import bp as field_bp
    from gridflow.web import bp as web_bp

    security.csrf.exempt(api_bp)  # bearer tokens, never sent by a browser on its own: no CSRF to fear
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(field_bp)
    return app
