"""UI language: Simplified Chinese by default, English on request (?lang=en or Accept-Language).

Templates use English message ids; `translations/zh` holds the Chinese.  The compiled catalogue is
built from the .po file when it is missing or older (no build step to forget), if the package folder
is writable; otherwise the .mo shipped by the install is used.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("zh", "en")


def compile_catalogs() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog)
        except OSError:
            pass  # read-only install: use what it shipped


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    Babel(app, locale_selector=select_locale)
