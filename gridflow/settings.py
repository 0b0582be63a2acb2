"""Settings: every one has a default here and can be set from the environment as `GRIDFLOW_<NAME>`.

Values are read when the app is created, never at import.  A value of the wrong type stops the start
with every bad setting named (never a traceback, never a silently ignored value).  The unprefixed
`DATABASE_URL` and `SECRET_KEY` are read too (a prefixed one wins), and `GRIDFLOW_INSTANCE` names the
instance folder.  Non-text settings take their natural spelling: numbers as numbers, booleans as
true/false (1/0, yes/no, on/off), tuples and lists as JSON (`GRIDFLOW_OFFICE_HOURS='[[9,0],[12,0],
[13,30],[17,30]]'`).
"""

from __future__ import annotations

import difflib
import json
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gridflow.instance import secret_file

PREFIX = "GRIDFLOW_"
ALIASES = {"GRIDFLOW_INSTANCE": "INSTANCE_PATH", "DATABASE_URL": "DATABASE_URL", "SECRET_KEY": "SECRET_KEY"}
# Read from the environment unprefixed before the GRIDFLOW_ prefix existed: refused with the new
# name rather than silently ignored.
RENAMED = (
    "COVERAGE_TOLERANCE_M2",
    "WARN_SHARE",
    "DUPLICATE_RADIUS_M",
    "DUPLICATE_WINDOW_HOURS",
    "SWEEP_INTERVAL_SECONDS",
)
# GRIDFLOW_ variables that are not settings (the test suite's own).
NOT_SETTINGS = ("GRIDFLOW_TEST_",)
DEV_SECRET = "dev-only-change-me"  # published in this repository: never signs anything in production
SECRET_FILE = "secret_key"


class Config:
    """Defaults for every installation.  A setting without a type annotation takes its default's type."""

    TESTING = False
    # The instance folder: what one installation keeps beside its code (the SQLite database, keys,
    # the scheduler lock, uploads).  Default: ./instance under the current directory.
    INSTANCE_PATH: str | None = None
    # Signs the API tokens.  Default: a random key created once in the instance folder (mode 0600).
    SECRET_KEY: str | None = None
    # Keys the timeline and audit hash chains (HMAC).  Default: a random key created on first use in
    # the instance folder (chain.key).  After a rotation the old keys (comma-separated) still verify.
    # Several machines of one installation must share it.
    CHAIN_KEY: str | None = None
    CHAIN_RETIRED_KEYS = ""
    DATABASE_URL: str | None = None  # default: sqlite:///<instance>/gridflow.db
    COVERAGE_TOLERANCE_M2 = 1.0  # coverage validation ignores gaps/overlaps smaller than this (m²)
    # Case workflow
    WARN_SHARE = 0.8  # warning (yellow) at this share of a level's limit
    OFFICE_HOURS: tuple[tuple[int, int], ...] = ((9, 0), (12, 0), (13, 30), (17, 30))  # morning and afternoon
    DUPLICATE_RADIUS_M = 100.0
    DUPLICATE_WINDOW_HOURS = 72.0
    SWEEP_INTERVAL_SECONDS = 60.0
    TOKEN_MAX_AGE_SECONDS = 12 * 3600
    # Failed logins: after this many for one user name, or from one client address, within the window
    # (counted from the first failure), every attempt is refused (429) until the window has passed.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_USER = 5
    LOGIN_MAX_FAILURES_PER_CLIENT = 20
    MAX_EXTENSIONS_PER_LEVEL = 2  # a supervisor extends a case's deadline at most this often per level
    MAX_CONTENT_LENGTH = 1024 * 1024  # request bodies: 413 beyond this (attachment uploads: see below)
    # Attachments: each file at most this large, at most this many a request (the upload route's own
    # body limit follows from the two), images at most this many pixels (larger: refused unopened).
    ATTACHMENT_MAX_BYTES = 10 * 1000 * 1000
    ATTACHMENT_MAX_FILES = 9
    ATTACHMENT_MAX_PIXELS = 50_000_000
    # Where attachment bytes live: empty for <instance>/attachments, or s3://bucket/prefix?endpoint=…
    STORAGE_URL = ""
    IMPORT_MAX_BYTES = 50 * 1000 * 1000  # a GeoJSON file uploaded on the import page (the page's body limit)
    SCHEDULER_LOCK: str | None = None  # default: <instance>/scheduler.lock
    # SQLite: how long a write waits for the one write lock before it gives up (a web request then
    # answers 503 "busy" with Retry-After, a command says so).
    SQLITE_BUSY_TIMEOUT_S = 30.0
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"  # dates on pages
    # Pages: a login lasts this long after the last request (seconds); the cookie is signed and dated.
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # The field app (/m/): a login on the phone lasts this long after the last request (seconds), so a
    # grid worker logs in once; revocable like every session (logging out, a new password, disabling).
    FIELD_SESSION_LIFETIME = 30 * 24 * 3600
    # Proxies in front of GridFlow whose X-Forwarded-For/-Proto/-Host it trusts (nginx: 1); 0 = none.
    PROXY_HOPS = 0
    # Maps: GridFlow's own GeoJSON on a plain background.  An optional raster tile layer beneath, e.g.
    # an intranet tile server's "https://tiles.example.gov.cn/{z}/{x}/{y}.png" ({s} subdomains are not
    # used); its origin is added to the pages' img-src.  Off (empty) by default: closed networks.
    MAP_TILE_URL = ""
    MAP_TILE_ATTRIBUTION = ""  # shown in the map's corner when tiles are on (their licence usually asks)
    # Notifications (in-app always; e-mail when SMTP_HOST is set, SMS when SMS_URL is set).  Links in
    # messages point at PUBLIC_URL (the address users open GridFlow at).
    PUBLIC_URL = "http://127.0.0.1:5000"
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_FROM = "gridflow@localhost"
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    SMS_URL = ""  # an HTTP gateway taking a JSON POST {phone, text}
    SMS_TOKEN = ""  # sent as Authorization: Bearer … when set
    NOTIFY_BATCH = 100  # messages a sender claims at a time
    NOTIFY_MAX_ATTEMPTS = 5  # then the message is marked failed (gridflow notifications failed)
    NOTIFY_RETRY_SECONDS = 60.0  # the first retry's wait; doubled each time
    NOTIFY_TIMEOUT_SECONDS = 10.0  # one SMTP conversation or HTTP request
    LOG_FORMAT = "text"  # text | json (one JSON object a line, with request id and user id)
    LOG_LEVEL = "INFO"


CHOICES = {"LOG_FORMAT": ("text", "json"), "LOG_LEVEL": ("DEBUG", "INFO", "WARNING", "ERROR")}


class SettingsError(SystemExit):
    """Bad settings: the message names every one (a SystemExit, so a command prints it and stops)."""

    def __init__(self, problems: list[str]):
        super().__init__("configuration: " + "; ".join(problems))
        self.problems = problems


def setting_names(config: type = Config) -> list[str]:
    return [k for k in dir(config) if k.isupper()]


def _declared_type(config: type, name: str) -> Any:
    hints = typing.get_type_hints(config)
    if name in hints:
        hint = hints[name]
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        return hint
    return type(getattr(config, name))


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse(kind: Any, raw: str) -> Any:
    """`raw` (an environment variable's text) as a value of `kind`; ValueError says what was expected."""
    origin = typing.get_origin(kind) or kind
    if origin is str:
        return raw
    if origin is bool:
        if raw.strip().lower() in TRUE + FALSE:
            return raw.strip().lower() in TRUE
        raise ValueError("is not true or false")
    if origin is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError("is not a whole number") from None
    if origin is float:
        try:
            return float(raw)
        except ValueError:
            raise ValueError("is not a number") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(f"is not JSON (a {origin.__name__} is written as JSON)") from None
    if origin in (tuple, list) and isinstance(value, list):
        return _tuples(value) if origin is tuple else value
    if origin is dict and isinstance(value, dict):
        return value
    raise ValueError(f"is not a JSON {'array' if origin in (tuple, list) else 'object'}")


def from_environ(environ: Mapping[str, str], config: type = Config) -> tuple[dict, list[str], list[str]]:
    """The settings `environ` sets: (values, problems, notes)."""
    names = set(setting_names(config))
    values: dict[str, Any] = {}
    problems: list[str] = []
    notes: list[str] = []
    wanted: dict[str, str] = {}  # setting -> environment variable
    for var in sorted(environ):
        if var in ALIASES:
            wanted.setdefault(ALIASES[var], var)
        elif var.startswith(PREFIX) and not var.startswith(NOT_SETTINGS):
            name = var[len(PREFIX) :]
            if name in names:
                wanted[name] = var  # the prefixed name wins over an unprefixed alias
            else:
                close = difflib.get_close_matches(name, sorted(names), n=1)
                hint = f" (did you mean {PREFIX}{close[0]}?)" if close else ""
                notes.append(f"{var} is not a setting and is ignored{hint}")
    for name in RENAMED:
        if name in environ and f"{PREFIX}{name}" not in environ:
            problems.append(f"{name} is no longer read: set {PREFIX}{name}")
    for name, var in wanted.items():
        try:
            values[name] = parse(_declared_type(config, name), environ[var])
        except ValueError as exc:
            problems.append(f"{var}={environ[var]!r} {exc}")
            continue
        if name in CHOICES and values[name] not in CHOICES[name]:
            problems.append(f"{var}={environ[var]!r} must be one of {', '.join(CHOICES[name])}")
    return values, problems, notes


def check(values: dict) -> list[str]:
    """Problems with the values themselves, whatever their source."""
    problems = []
    if not 0 < values["WARN_SHARE"] < 1:
        problems.append(f"WARN_SHARE={values['WARN_SHARE']} must lie between 0 and 1")
    if values["MAX_EXTENSIONS_PER_LEVEL"] < 0:
        problems.append(f"MAX_EXTENSIONS_PER_LEVEL={values['MAX_EXTENSIONS_PER_LEVEL']} must not be negative")
    for name in ("LOGIN_WINDOW_SECONDS", "LOGIN_MAX_FAILURES_PER_USER", "LOGIN_MAX_FAILURES_PER_CLIENT"):
        if values[name] < 1:
            problems.append(f"{name}={values[name]} must be at least 1")
    if values["SWEEP_INTERVAL_SECONDS"] <= 0:
        problems.append(f"SWEEP_INTERVAL_SECONDS={values['SWEEP_INTERVAL_SECONDS']} must be positive")
    for name in (
        "ATTACHMENT_MAX_BYTES",
        "ATTACHMENT_MAX_FILES",
        "ATTACHMENT_MAX_PIXELS",
        "NOTIFY_BATCH",
        "NOTIFY_MAX_ATTEMPTS",
    ):
        if values[name] < 1:
            problems.append(f"{name}={values[name]} must be positive")
    if values["SMS_URL"] and not values["SMS_URL"].startswith(("http://", "https://")):
        problems.append(f"SMS_URL={values['SMS_URL']!r} must be an http(s) URL")
    if values["STORAGE_URL"]:
        from gridflow.media.storage import parse_storage_url

        try:
            parse_storage_url(values["STORAGE_URL"])
        except ValueError as exc:
            problems.append(f"STORAGE_URL={values['STORAGE_URL']!r} {exc}")
    tiles = values["MAP_TILE_URL"]
    if tiles and not (tiles.startswith(("https://", "http://", "/")) and all(k in tiles for k in "{z}{x}{y}")):
        problems.append(f"MAP_TILE_URL={tiles!r} must be an http(s) or /path URL with {{z}}, {{x}} and {{y}}")
    hours = values["OFFICE_HOURS"]
    if not (
        isinstance(hours, tuple)
        and hours
        and len(hours) % 2 == 0
        and all(isinstance(t, tuple) and len(t) == 2 and all(isinstance(x, int) for x in t) for t in hours)
        and list(hours) == sorted(hours)
    ):
        problems.append(f"OFFICE_HOURS={hours!r} must be [hour, minute] pairs, start and end of each span, in order")
    return problems


def load(environ: Mapping[str, str] | None = None, overrides: dict | None = None) -> tuple[dict, list[str]]:
    """Every setting: defaults, then the environment, then `overrides`, then what derives from the
    instance folder.  Returns (settings, notes to log); raises SettingsError naming every bad one."""
    environ = os.environ if environ is None else environ
    values = {name: getattr(Config, name) for name in setting_names()}
    from_env, problems, notes = from_environ(environ)
    values.update(from_env)
    values.update(overrides or {})
    if problems:
        raise SettingsError(problems)
    problems = check(values)
    instance = Path(values["INSTANCE_PATH"] or Path.cwd() / "instance").absolute()
    values["INSTANCE_PATH"] = str(instance)
    values["DATABASE_URL"] = values["DATABASE_URL"] or f"sqlite:///{instance / 'gridflow.db'}"
    values["SCHEDULER_LOCK"] = values["SCHEDULER_LOCK"] or str(instance / "scheduler.lock")
    relaxed = values.get("TESTING") or values.get("DEBUG") or _flask_debug(environ)
    if values["SECRET_KEY"] == DEV_SECRET and not relaxed:
        problems.append(
            "SECRET_KEY is the published development default: unset it (a random key is then kept in "
            "the instance folder) or set GRIDFLOW_SECRET_KEY to a long random value"
        )
    if problems:
        raise SettingsError(problems)
    if not values["SECRET_KEY"]:
        try:
            values["SECRET_KEY"] = secret_file(instance, SECRET_FILE)
        except (OSError, RuntimeError) as exc:  # unwritable folder, a key readable by others, an empty key
            raise SettingsError([f"SECRET_KEY: {exc}"]) from None
    return values, notes


def _flask_debug(environ: Mapping[str, str]) -> bool:
    return environ.get("FLASK_DEBUG", "").lower() in TRUE
