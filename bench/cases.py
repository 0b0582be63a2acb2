"""Figures for the case workflow (issue 3).  Run: .venv/bin/python -m bench.cases [--cases N]

With N (default 1 M) cases bulk-loaded on SpatiaLite and on PostGIS:
1. GET /api/v1/queue through HTTP (gunicorn), mediators at every level: p50/p95 ms.
2. The sweep: finding overdue cases among N active ones (nothing overdue: the full cost of looking),
   and escalating 10 k overdue ones.
3. Case reports per second through POST /api/v1/cases, and the ratio to a bare Flask + SQLAlchemy
   insert endpoint (bench/bare_app.py) served the same way, in the same run.

Bulk-loaded cases carry no timeline events (the sweep's escalation starts their chain).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import delete, func, select, text

from bench.common import demo_city, percentiles, pg_url, sqlite_url
from geo.assign import GridIndex
from geo.demo import random_points_in
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.policy import Policy
from gridflow.cases.sweep import sweep
from gridflow.categories.store import current as current_categories
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.models import Case, CaseEvent, Division, Grid, User
from gridflow.models.cases import ACTIVE_SQL
from gridflow.people.users import add_user
from gridflow.spatial import shapes

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-password"


@dataclass(frozen=True)
class Sizes:
    scale: str = "full"  # demo city
    cases: int = 1_000_000  # bulk-loaded active cases
    overdue: int = 10_000  # overdue cases the sweep escalates
    queue_requests: int = 600
    reports: int = 800  # per round
    rounds: int = 4


FULL = Sizes()
SMOKE = Sizes(scale="small", cases=3_000, overdue=300, queue_requests=20, reports=40, rounds=1)  # toy sizes
COLUMNS = [
    "number",
    "kind",
    "category",
    "category_version",
    "description",
    "source",
    "risk",
    "lon",
    "lat",
    "location",
    "grid_id",
    "community_id",
    "street_id",
    "county_id",
    "city_id",
    "state",
    "level",
    "level_entered_at",
    "deadline",
    "warn_at",
    "escalations",
    "returns",
    "reworks",
    "extensions",
    "created_at",
    "updated_at",
    "version",
]


def _rows(db, n: int, prefix: str, overdue: bool, seed: int):
    """n case rows at random places in the city; deadlines in the future, or all past if `overdue`."""
    with db.session() as s:
        grids = s.execute(select(Grid.id, Grid.code, Grid.boundary, Grid.community_id)).all()
        parents = dict(s.execute(select(Division.id, Division.parent_id)).all())
        categories = [(c.code, c.version, c.kind) for c in current_categories(s)]
    index = GridIndex([g.code for g in grids], shapes([g.boundary for g in grids]))
    by_code = {g.code: g for g in grids}
    rng = np.random.default_rng(seed)
    xy = random_points_in(shapely.union_all(index.geoms), n, rng)  # where the loaded city has grids
    found = index.assign_xy(xy[:, 0], xy[:, 1])
    now = utcnow()
    levels = rng.choice(4, n, p=[0.7, 0.2, 0.08, 0.02])
    for i in range(n):
        if found[i] < 0:
            continue
        g = by_code[index.codes[found[i]]]
        street = parents[g.community_id]
        county = parents[street]
        code, version, kind = categories[i % len(categories)]
        created = now - timedelta(minutes=float(rng.uniform(10, 525_600)))
        deadline = (
            now - timedelta(minutes=float(rng.uniform(1, 14_400)))
            if overdue
            else now + timedelta(minutes=float(rng.uniform(1_440, 43_200)))
        )  # a day or more: not due while benched
        lon, lat = float(xy[i, 0]), float(xy[i, 1])
        yield (
            f"{prefix}{i:07d}",
            kind,
            code,
            version,
            "批量载入的测试案件",
            "field",
            None,
            lon,
            lat,
            f"SRID=4326;POINT({lon!r} {lat!r})",
            g.id,
            g.community_id,
            street,
            county,
            parents[county],
            "open" if i % 5 else "handling",
            LEVELS_BOTTOM_UP[levels[i]],
            created,
            deadline,
            deadline - timedelta(hours=1),
            0,
            0,
            0,
            0,
            created,
            created,
            1,
        )


def bulk_load(db, n: int, prefix: str, overdue: bool = False, seed: int = 1) -> float:
    started = time.perf_counter()
    copy_cases(db, COLUMNS, _rows(db, n, prefix, overdue, seed))
    return time.perf_counter() - started


def copy_cases(db, columns: list[str], rows) -> None:
    """Case rows (tuples in `columns`' order) straight into case_file: COPY on PostgreSQL, one
    transaction of executemany on SQLite; then what autovacuum or ANALYZE would do (`settle`)."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.is_postgres:
            with cur.copy(f"COPY case_file ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("GeomFromEWKT(?)" if c == "location" else "?" for c in columns)
            cur.execute("BEGIN")
            cur.executemany(f"INSERT INTO case_file ({', '.join(columns)}) VALUES ({marks})", rows)
            cur.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()
    settle(db)


def settle(db) -> None:
    """After the bench's own mass changes, what autovacuum (or a live SQLite database's ANALYZE)
    would do, so that it does not run during the measurements and the planners see the new sizes."""
    if not db.is_postgres:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: no transaction
        conn.exec_driver_sql("VACUUM ANALYZE case_file, case_event, case_counter")


class Server:
    """A gunicorn on loopback, stopped when done."""

    def __init__(self, target: str, url: str, port: int, workers: int = 2):
        # Warnings only, like gunicorn's own --log-level: no access line per request in the figures.
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "GRIDFLOW_LOG_LEVEL": "WARNING"}
        self.port = port
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                target,
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(200):
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                probe.request("GET", "/")
                probe.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
            finally:
                probe.close()
        self.stop()
        raise RuntimeError(f"{target} did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def _request(conn, method, path, body=None, headers=None):
    conn.request(
        method,
        path,
        body=json.dumps(body) if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def token(port, username, password):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    try:
        status, data = _request(conn, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    finally:
        conn.close()
    assert status == 200, data
    return json.loads(data)["token"]


def bench_queue(port: int, users: list[tuple[str, str]], requests: int = 600) -> tuple[float, float, dict]:
    tokens = [(level, token(port, u, BENCH_PASSWORD)) for level, u in users]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    samples, totals = [], {}
    try:
        for i in range(requests):
            level, tok = tokens[i % len(tokens)]
            started = time.perf_counter()
            status, data = _request(conn, "GET", "/api/v1/queue", headers={"Authorization": f"Bearer {tok}"})
            samples.append((time.perf_counter() - started) * 1000)
            assert status == 200, data
            totals[level] = max(totals.get(level, 0), json.loads(data)["total"])
    finally:
        conn.close()
    p50, p95 = percentiles(samples)
    return p50, p95, totals


def bench_reports(port: int, path: str, headers: dict, count: int, threads: int = 4) -> float:
    rng = random.Random(3)
    city_box = (114.9, 35.55, 115.6, 36.1)
    bodies = [
        {
            "kind": "incident",
            "category": rng.choice(["G01", "G03", "A01", "O02"]),
            "description": "压测上报",
            "location": {"lon": rng.uniform(city_box[0], city_box[2]), "lat": rng.uniform(city_box[1], city_box[3])},
        }
        for _ in range(count)
    ]
    statuses = []

    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        try:
            for body in part:
                statuses.append(_request(conn, "POST", path, body, headers)[0])
        finally:
            conn.close()

    parts = [bodies[i::threads] for i in range(threads)]
    started = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - started
    ok = sum(s in (201, 422) for s in statuses)  # 422: the random point fell outside every grid
    assert ok == count, set(statuses)
    return count / elapsed


def numbered(prefix: str):
    """Cases whose number starts with `prefix`, as a range the unique index can serve (LIKE cannot)."""
    return Case.number.between(prefix, prefix + "\uffff")


def run(name: str, url: str, port: int, reports_only: bool = False, sizes: Sizes = FULL) -> None:
    print(f"== {name}")
    n_cases = sizes.cases
    app = demo_city(url, scale=sizes.scale)
    db = get_db(app)
    with db.session() as s:
        loaded = s.scalar(select(func.count()).select_from(Case).where(numbered("B")))
    if loaded < n_cases * 0.9:
        with db.session() as s:
            s.execute(delete(CaseEvent))
            s.execute(delete(Case))
        print(f"  bulk-loaded {n_cases:,} active cases in {bulk_load(db, n_cases, 'B'):.0f} s")
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))
        active = s.scalar(select(func.count()).select_from(Case))
        # Users: a mediator at each level, for divisions that have cases at that level.
        users = []
        for level in LEVELS_BOTTOM_UP:
            column = getattr(Case, f"{level}_id")
            ids = s.scalars(
                select(column).where(Case.level == level).group_by(column).order_by(func.count().desc()).limit(3)
            ).all()
            for k, division_id in enumerate(ids):
                username = f"bench.{level}.{k}"
                s.execute(delete(User).where(User.username == username))  # a kept city keeps last run's users
                add_user(s, username, "mediator", s.get(Division, division_id).code, None, BENCH_PASSWORD)
                users.append((level, username))
        s.execute(delete(User).where(User.username == "bench.admin"))
        add_user(s, "bench.admin", "admin", None, None, BENCH_PASSWORD)
    print(f"  {active:,} active cases stored")
    settle(db)
    if reports_only:
        db.dispose()
        return bench_report_ratio(app, url, port, sizes)
    policy = Policy.from_config(app.config)
    started = time.perf_counter()
    report = sweep(db, utcnow() - timedelta(days=400), policy)
    print(
        f"  sweep finding overdue among {active:,} active cases (none due): {(time.perf_counter() - started) * 1000:.0f} ms"
        f"  (goal ≤ 1 s; escalated {report.escalated})"
    )
    bulk_load(db, sizes.overdue, "O", overdue=True, seed=7)
    now = utcnow()
    with db.session() as s:  # the overdue load, and any bulk-loaded case that fell due since it was loaded
        due = s.scalar(select(func.count()).select_from(Case).where(ACTIVE_SQL, Case.deadline < now))
    started = time.perf_counter()
    report = sweep(db, now, policy)
    elapsed = time.perf_counter() - started
    print(
        f"  sweep escalating {due:,} overdue cases: {elapsed:.1f} s ({report.escalated} escalated, "
        f"{report.flagged} flagged at city level)  (goal ≤ 20 s on PostGIS)"
    )
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(numbered("O")))
    settle(db)
    db.dispose()

    server = Server("wsgi:app", url, port)
    try:
        p50, p95, totals = bench_queue(port, users, sizes.queue_requests)
        print(
            f"  GET /api/v1/queue over HTTP: p50 {p50:.1f} ms, p95 {p95:.1f} ms  (goal p95 ≤ 50 ms; "
            f"largest queue per level {totals})"
        )
    finally:
        server.stop()
    bench_report_ratio(app, url, port, sizes)


def bench_report_ratio(app, url: str, port: int, sizes: Sizes) -> None:
    """Reports through our API against inserts through the bare endpoint, each served by two gunicorn
    workers.  Both servers are warmed up first (steady state: connections open, statements prepared),
    then measured in alternating rounds, so that a burst of noise on this shared machine hits one
    round rather than one side.  Printed: the best round of each side and their ratio, and the median
    of the ratios of paired rounds."""
    from bench import bare_app

    count, rounds = sizes.reports, sizes.rounds
    bare_app.create_table(url)
    ours_server, bare_server = Server("wsgi:app", url, port), Server("bench.bare_app:app", url, port + 1)
    try:
        admin = {"Authorization": f"Bearer {token(port, 'bench.admin', BENCH_PASSWORD)}"}
        bench_reports(port, "/api/v1/cases", admin, count // 4)
        bench_reports(port + 1, "/cases", {}, count // 4)
        ours, bare = [], []
        for _ in range(rounds):
            ours.append(bench_reports(port, "/api/v1/cases", admin, count))
            bare.append(bench_reports(port + 1, "/cases", {}, count))
    finally:
        ours_server.stop()
        bare_server.stop()
    paired = statistics.median(o / b for o, b in zip(ours, bare))
    print(
        f"  POST /api/v1/cases: {max(ours):.0f} reports/s (rounds: {', '.join(f'{r:.0f}' for r in ours)}); "
        f"bare Flask + SQLAlchemy insert: {max(bare):.0f}/s (rounds: {', '.join(f'{r:.0f}' for r in bare)})\n"
        f"  ratio, best rounds: {max(ours) / max(bare):.2f}; median of paired rounds: {paired:.2f}  (goal ≥ 0.5)"
    )
    with get_db(app).session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))
        s.execute(text("DELETE FROM bench_bare_case"))
    get_db(app).dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int)
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--reports-only", action="store_true", help="only the report throughput ratio")
    parser.add_argument("--smoke", action="store_true", help="every step at toy size, on its own databases")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.cases:
        sizes = replace(sizes, cases=args.cases)
    names = ("smoke.db", "gridflow_bench_smoke") if args.smoke else ("full.db", "gridflow_bench")
    if not args.skip_sqlite:
        run("SpatiaLite", sqlite_url(names[0]), 8701, args.reports_only, sizes)
    if not args.skip_postgis:
        run("PostGIS", pg_url(names[1]), 8711, args.reports_only, sizes)


if __name__ == "__main__":
    main()
