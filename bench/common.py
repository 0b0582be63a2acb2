"""Shared set-up for the benchmarks: their databases (a SQLite file and a PostGIS database, fresh or
with the demo city), the apps on them and their disposal, the back ends a run chose, logging in to the
pages and timing a page."""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from gridflow import create_app
from gridflow.db import get_db
from gridflow.migrate import upgrade
from tests.conftest import recreate_pg_database

OUT = Path(__file__).resolve().parent / "out"
PG_URL = os.environ.get("GRIDFLOW_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/gridflow_bench")
PASSWORD = "bench-password"  # the benches' users' (the password rule: at least 10 characters)


def sqlite_url(name: str) -> str:
    OUT.mkdir(exist_ok=True)
    return f"sqlite:///{OUT / name}"


def pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def backends(args: argparse.Namespace, sqlite_name: str, pg_name: str) -> list[tuple[str, str]]:
    """(name, url) of the back ends a run measures: SpatiaLite in bench/out/`sqlite_name`, PostGIS in
    the database `pg_name`, unless `--skip-sqlite` / `--skip-postgis` (`add_backend_options`)."""
    chosen = []
    if not getattr(args, "skip_sqlite", False):
        chosen.append(("SpatiaLite", sqlite_url(sqlite_name)))
    if not getattr(args, "skip_postgis", False):
        chosen.append(("PostGIS", pg_url(pg_name)))
    return chosen


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgis", action="store_true")


def fresh_database(url: str) -> None:
    """An empty database at `url` with the current schema (and PostGIS: the migrations make it)."""
    if url.startswith("sqlite"):
        Path(make_url(url).database).unlink(missing_ok=True)
    else:
        recreate_pg_database(url)  # the test suite's: dropped, created, PostGIS enabled
    upgrade(url)


def app_for(url: str, fresh: bool, **settings):
    """An app on `url` (`fresh`: on an empty database); dispose of its engine with `disposing`."""
    if fresh:
        fresh_database(url)
    return create_app({"DATABASE_URL": url, **settings})


@contextmanager
def disposing(app) -> Iterator:
    """The app, its database engine disposed of afterwards (whatever happened)."""
    try:
        yield app
    finally:
        get_db(app).dispose()


def quiet_logs() -> None:
    """No line per request or per state change among the figures."""
    for noisy in ("gridflow.request", "transitions"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_in_page(client, username: str, password: str = PASSWORD) -> None:
    """Log `client` (Flask's test client) in through the login form, with its CSRF token."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    assert answer.status_code == 302, answer.text


def timed_get(client, url: str) -> float:
    """Milliseconds of the server's work on GET `url` as a browser asks for it (in process); must be 200."""
    started = time.perf_counter()
    answer = client.get(url, headers={"Accept": "text/html"})
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (url, answer.status_code)
    return elapsed


def demo_city(url: str, rebuild: bool = False, scale: str = "full"):
    """An app on `url` with the demo city loaded (built once, kept for later runs).  A database that
    exists is migrated and filled in place; one that does not (or `rebuild`) is created afresh."""
    from gridflow import demo

    app = None
    if not rebuild:
        try:
            upgrade(url)  # a city built by an older revision gets the newer tables
            app = app_for(url, fresh=False)
        except Exception:  # noqa: BLE001 - no database yet: create it below
            app = None
    if app is None:
        app = app_for(url, fresh=True)
    with get_db(app).session() as s:
        if demo.has_data(s):
            return app
    started = time.perf_counter()
    with get_db(app).session() as s:
        for _ in demo.build(s, scale=scale):
            pass
    print(
        f"  (built the {scale} demo city on {make_url(url).get_backend_name()} in {time.perf_counter() - started:.1f} s)"
    )
    return app


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank: of 5 samples, the slowest)."""
    samples = sorted(samples_ms)
    return statistics.median(samples), samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
