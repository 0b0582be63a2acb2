"""UI language: Simplified Chinese by default, English on request.

The language is, in order: `?lang=en|zh` on any page (remembered in the `lang` cookie for a year),
the `lang` cookie, the browser's Accept-Language, Chinese.  Templates and messages use English
message ids; `translations/zh` holds the Chinese (README, "Translations", says how to update it).
Dates and numbers on pages go through Babel's formatters for the language (the Jinja filters
`datetimeformat`, `dateformat`, `decimalformat`, `percentformat` …), in China's time zone.
The compiled catalogues (.mo) are built with the package (setup.py; in a checkout ./dev.sh compiles
them when a .po changes).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("zh", "en")
COOKIE = "lang"
HTML_LANG = {"zh": "zh-Hans", "en": "en"}  # <html lang>: Simplified Chinese script


def select_locale() -> str:
    for wanted in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if wanted in LANGUAGES:
            return wanted
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def remember_language(response: Response) -> Response:
    """`?lang=` on any page sets the language for the pages after it."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(
            COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure
        )
    return response


def page_language() -> dict:
    language = get_locale().language if get_locale() else "zh"
    return {"lang": language, "html_lang": HTML_LANG.get(language, language)}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    Babel(app, locale_selector=select_locale)
    app.after_request(remember_language)
    app.context_processor(page_language)
