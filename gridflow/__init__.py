"""GridFlow: grid management and case workflow for community governance."""

from __future__ import annotations

from flask import Flask

import config as config_module


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    # JSON as written (UTF-8, keys in the order built): Chinese text stays readable and the busiest
    # responses skip escaping and sorting.
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config.update(config_module.Config.from_env())
    if overrides:
        app.config.update(overrides)
    if app.config["SECRET_KEY"] == config_module.Config.DEV_SECRET and not app.config["DATABASE_URL"].startswith(
        "sqlite"
    ):
        app.logger.warning("SECRET_KEY is the development default: set it, or anyone can forge API tokens")

    from gridflow import cli, db, i18n, security
    from gridflow.api import errors

    db.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    from gridflow.api import bp as api_bp
    from gridflow.web import bp as web_bp

    security.csrf.exempt(api_bp)  # bearer tokens, never sent by a browser on its own: no CSRF to fear
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    return app
