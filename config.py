"""Configuration objects.  Values come from the environment when the app is created, not at import."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE = Path(__file__).resolve().parent / "instance"


class Config:
    """Defaults for every environment; each can be overridden by an environment variable."""

    TESTING = False
    INSTANCE_PATH = str(INSTANCE)  # keys, uploads, the SQLite database (GRIDFLOW_INSTANCE)
    SECRET_KEY = DEV_SECRET = "dev-only-change-me"  # set SECRET_KEY in production: it signs the tokens
    # Timeline hash chains are keyed (HMAC): this key, or else one made in INSTANCE_PATH/chain.key on
    # first use.  After a rotation, the old keys (comma-separated in the environment) still verify.
    GRIDFLOW_CHAIN_KEY: str | None = None
    GRIDFLOW_CHAIN_RETIRED_KEYS: tuple[str, ...] = ()
    DATABASE_URL = f"sqlite:///{INSTANCE / 'gridflow.db'}"
    # Coverage validation ignores gaps/overlaps smaller than this (m²).
    COVERAGE_TOLERANCE_M2 = 1.0
    # Case workflow
    WARN_SHARE = 0.8  # warning (yellow) at this share of a level's limit
    OFFICE_HOURS = ((9, 0), (12, 0), (13, 30), (17, 30))  # morning and afternoon spans
    DUPLICATE_RADIUS_M = 100.0
    DUPLICATE_WINDOW_HOURS = 72
    SWEEP_INTERVAL_SECONDS = 60
    TOKEN_MAX_AGE_SECONDS = 12 * 3600
    MAX_EXTENSIONS_PER_LEVEL = 2  # a supervisor extends a case's deadline at most this often per level
    MAX_CONTENT_LENGTH = 1024 * 1024  # request bodies: 413 beyond this
    SCHEDULER_LOCK = str(INSTANCE / "scheduler.lock")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"  # dates on pages
    # Pages: a login lasts this long after the last request (seconds); the cookie is signed and dated.
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # Behind a reverse proxy: how many X-Forwarded-* hops to believe (0: none, the headers are ignored).
    TRUSTED_PROXIES = 0

    @classmethod
    def from_env(cls) -> dict:
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        if os.environ.get("GRIDFLOW_INSTANCE"):
            values["INSTANCE_PATH"] = os.environ["GRIDFLOW_INSTANCE"]
        for key in ("SECRET_KEY", "DATABASE_URL", "GRIDFLOW_CHAIN_KEY"):
            if os.environ.get(key):
                values[key] = os.environ[key]
        if os.environ.get("GRIDFLOW_CHAIN_RETIRED_KEYS"):  # comma-separated
            values["GRIDFLOW_CHAIN_RETIRED_KEYS"] = tuple(
                k.strip() for k in os.environ["GRIDFLOW_CHAIN_RETIRED_KEYS"].split(",") if k.strip()
            )
        for key in (
            "COVERAGE_TOLERANCE_M2",
            "WARN_SHARE",
            "DUPLICATE_RADIUS_M",
            "DUPLICATE_WINDOW_HOURS",
            "SWEEP_INTERVAL_SECONDS",
            "MAX_EXTENSIONS_PER_LEVEL",
            "PERMANENT_SESSION_LIFETIME",
            "TRUSTED_PROXIES",
        ):
            if os.environ.get(key):
                try:
                    values[key] = float(os.environ[key])
                except ValueError:
                    raise SystemExit(f"configuration: {key}={os.environ[key]!r} is not a number") from None
        extensions = values["MAX_EXTENSIONS_PER_LEVEL"]
        if extensions != int(extensions) or extensions < 0:
            raise SystemExit(f"configuration: MAX_EXTENSIONS_PER_LEVEL={extensions} must be a whole number ≥ 0")
        values["MAX_EXTENSIONS_PER_LEVEL"] = int(extensions)
        values["PERMANENT_SESSION_LIFETIME"] = int(values["PERMANENT_SESSION_LIFETIME"])
        values["TRUSTED_PROXIES"] = int(values["TRUSTED_PROXIES"])
        if not 0 < values["WARN_SHARE"] < 1:
            raise SystemExit(f"configuration: WARN_SHARE={values['WARN_SHARE']} must lie between 0 and 1")
        return values
