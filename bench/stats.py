"""The evaluation figures at scale (issue 10).  Run: .venv/bin/python -m bench.stats [--cases N] [--smoke]

With N (default 1 M) cases bulk-loaded into the full demo city on SpatiaLite and on PostGIS (bench.cases'
loading, reported over the past year) and their facts filled in bulk with a synthetic spread of
outcomes (of the cases reported over a month ago 97 % closed, of the last month's half: about 7 % still
running, which the figures count when asked; some reworked, extended, escalated, overdue, with handling
times and satisfaction), the tally refilled from them, the server time of `gridflow.stats.query.stats` for the whole city
(an administrator): totals only, grouped by `month`, by `division,month` (goal ≤ 1 s), and the
busiest county by `division`.  The dashboard page is timed by bench.pages.  Own databases
(`stats.db`, `gridflow_bench_stats`).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete, func, select, text

from bench.cases import bulk_load, numbered, settle
from bench.common import demo_city, percentiles, pg_url, quiet_logs, sqlite_url
from gridflow.clock import local_date, utcnow
from gridflow.db import get_db
from gridflow.models import Case, CaseEvent, CaseFacts, Division
from gridflow.stats import tally
from gridflow.stats.query import Question, stats
from gridflow.workflow.rules import ADMIN, Actor


@dataclass(frozen=True)
class Sizes:
    scale: str = "full"
    cases: int = 1_000_000
    rounds: int = 5


FULL = Sizes()
SMOKE = Sizes(scale="small", cases=3_000, rounds=2)


def _facts_sql(postgres: bool) -> str:
    """Facts for every case without them: the case's own columns, and a synthetic outcome by id."""
    true, false = ("TRUE", "FALSE") if postgres else ("1", "0")
    local = "(c.created_at + interval '8 hours')" if postgres else "datetime(c.created_at, '+8 hours')"
    day = f"CAST({local} AS DATE)" if postgres else f"date({local})"
    month = (
        f"CAST(to_char({local}, 'YYYYMM') AS INTEGER)" if postgres else f"CAST(strftime('%Y%m', {local}) AS INTEGER)"
    )
    hours = "(c.id % 9973) * 0.0131"  # 0 to 130 office hours, nearly every value different
    whole = f"CAST(FLOOR({hours} + 0.5) AS INTEGER)" if postgres else f"CAST({hours} + 0.5 AS INTEGER)"
    month_ago = "(now() at time zone 'utc') - interval '30 days'" if postgres else "datetime('now', '-30 days')"
    # As a city's cases stand after a year: of those reported over a month ago 97 % are closed (a few
    # long disputes still run), of the last month's half.
    closed = f"((c.created_at < {month_ago} AND c.id % 100 < 97) OR c.id % 2 = 0)"
    top = "CASE c.level WHEN 'community' THEN 0 WHEN 'street' THEN 1 WHEN 'county' THEN 2 ELSE 3 END"
    plus = "+ interval '3 days'" if postgres else ""
    closed_at = f"c.created_at {plus}" if postgres else "datetime(c.created_at, '+3 days')"
    return f"""
    INSERT INTO case_facts (case_id, reported_on, report_month, kind, category, duty, grid_id, community_id,
        street_id, county_id, city_id, worker_id, state, level, deadline, filed_at, first_deadline, closed_at,
        ever_overdue, reworked, extended, levels_reached, top_level, escalated_community, escalated_street,
        escalated_county, handling_hours, handling_days, handling_hour, satisfied)
    SELECT c.id, {day}, {month}, c.kind, c.category,
        (SELECT v.duty FROM category_version v WHERE v.code = c.category AND v.version = c.category_version),
        c.grid_id, c.community_id, c.street_id, c.county_id, c.city_id,
        (SELECT g.worker_id FROM grid g WHERE g.id = c.grid_id),
        CASE WHEN {closed} THEN 'closed' ELSE c.state END, c.level, c.deadline, c.created_at, c.deadline,
        CASE WHEN {closed} THEN {closed_at} END,
        CASE WHEN c.id % 13 = 0 THEN {true} ELSE {false} END,
        CASE WHEN {closed} AND c.id % 17 = 0 THEN {true} ELSE {false} END,
        CASE WHEN {closed} AND c.id % 19 = 0 THEN {true} ELSE {false} END,
        (2 << {top}) - 1, {top},
        CASE WHEN {top} > 0 THEN 1 ELSE 0 END, CASE WHEN {top} > 1 THEN 1 ELSE 0 END,
        CASE WHEN {top} > 2 THEN 1 ELSE 0 END,
        CASE WHEN {closed} THEN {hours} END, CASE WHEN {closed} THEN {hours} / 7.0 END,
        CASE WHEN {closed} THEN {whole} END,
        CASE WHEN {closed} AND c.id % 3 = 0 THEN (CASE WHEN c.id % 2 = 0 THEN {true} ELSE {false} END) END
    FROM case_file c
    WHERE NOT EXISTS (SELECT 1 FROM case_facts f WHERE f.case_id = c.id)
    """


def _load(db, sizes: Sizes) -> int:
    with db.session() as s:
        loaded = s.scalar(select(func.count()).select_from(Case).where(numbered("B")))
    if loaded < sizes.cases * 0.9:
        with db.session() as s:
            s.execute(delete(CaseFacts))
            s.execute(delete(CaseEvent))
            s.execute(delete(Case))
        print(f"  bulk-loaded {sizes.cases:,} active cases in {bulk_load(db, sizes.cases, 'B'):.0f} s")
    fill_facts(db)
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CaseFacts)) or 0


def fill_facts(db) -> None:
    """Facts (a synthetic outcome) for every case that has none, the tally from them, then the
    planner's statistics."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        added = conn.execute(text(_facts_sql(db.is_postgres))).rowcount
        if added:
            rows = tally.refill(conn)
    if added:
        print(f"  facts of {added:,} cases filled, {rows:,} tally rows, in {time.perf_counter() - started:.0f} s")
    settle(db)
    if db.is_postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE case_facts, case_tally")


def _timed(work, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def _busiest(s, column) -> str | None:
    """The code of the division with the most cases in `column` (a case_facts division column)."""
    return s.scalars(
        select(Division.code)
        .join(CaseFacts, column == Division.id)
        .group_by(Division.code)
        .order_by(func.count().desc())
        .limit(1)
    ).first()


def run(name: str, url: str, sizes: Sizes = FULL) -> None:
    print(f"== {name}")
    app = demo_city(url, scale=sizes.scale)
    quiet_logs()
    db = get_db(app)
    stored = _load(db, sizes)
    admin = Actor(0, "bench", ADMIN)
    with db.session() as s:
        community, county = _busiest(s, CaseFacts.community_id), _busiest(s, CaseFacts.county_id)
    print(f"  {stored:,} cases with facts; busiest county {county}, community {community}")
    today = local_date(utcnow())
    for label, q in (
        ("the city, totals", Question()),
        ("the city by month", Question(group_by="month")),
        ("the city by division,month", Question(group_by="division,month")),
        (f"county {county} by division", Question(division=county, group_by="division")),
        (
            "the city, 100 to 10 days ago, by division",
            Question(from_=today - timedelta(100), to=today - timedelta(10), group_by="division"),
        ),
        (f"community {community} by division (grids)", Question(division=community, group_by="division")),
        ("the city by category (every case's facts)", Question(group_by="category")),
    ):
        p50, worst = _timed(lambda q=q: stats(db, admin, q), sizes.rounds)
        print(f"  stats, {label}: p50 {p50:.0f} ms, p95 {worst:.0f} ms  (goal ≤ 1 s)")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int)
    parser.add_argument("--rounds", type=int, help="times each question is asked (default 5)")
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="every step at toy size, on its own databases")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.cases:
        sizes = replace(sizes, cases=args.cases)
    if args.rounds:
        sizes = replace(sizes, rounds=args.rounds)
    names = ("stats_smoke.db", "gridflow_bench_stats_smoke") if args.smoke else ("stats.db", "gridflow_bench_stats")
    if not args.skip_sqlite:
        run("SpatiaLite", sqlite_url(names[0]), sizes)
    if not args.skip_postgis:
        run("PostGIS", pg_url(names[1]), sizes)


if __name__ == "__main__":
    main()
