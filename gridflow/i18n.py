"""UI language: Simplified Chinese by default, English on request (?lang=en or Accept-Language).

Templates use English message ids; `translations/zh` holds the Chinese.  The compiled catalogues (.mo)
are built with the package (setup.py; in a checkout ./dev.sh compiles them when a .po changes).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("zh", "en")


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    Babel(app, locale_selector=select_locale)
