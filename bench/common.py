"""Shared set-up for the benchmarks: a full-scale demo city in a SQLite file and a PostGIS database."""

from __future__ import annotations

import math
import os
import statistics
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridflow import create_app
from gridflow.db import get_db
from gridflow.migrate import upgrade

OUT = Path(__file__).resolve().parent / "out"
PG_URL = os.environ.get("GRIDFLOW_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/gridflow_bench")


def sqlite_url(name: str) -> str:
    OUT.mkdir(exist_ok=True)
    return f"sqlite:///{OUT / name}"


def pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def fresh_pg(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def app_for(url: str, fresh: bool):
    if fresh:
        if url.startswith("sqlite"):
            Path(make_url(url).database).unlink(missing_ok=True)
        else:
            fresh_pg(url)
        upgrade(url)
    return create_app({"DATABASE_URL": url})


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
