"""Figures for finding and exporting cases (issue 10).  Run: .venv/bin/python -m bench.search [--cases N]

With N (default 1 M) cases bulk-loaded on SpatiaLite and on PostGIS, each with a description and an
address made of Chinese words (so that substrings repeat as they do in real texts):
1. `q` searches through the service (`GET /api/v1/cases?q=…`, first page and total): p50/p95 ms for
   texts of three to six characters taken from stored cases, and for two characters (the bounded
   scan), as an administrator (the whole city) and as a street's mediator.
2. cases.xlsx of about 100 k rows (the cases reported in a period): seconds, and peak memory (Python's
   allocations, tracemalloc, in a second pass; and the process's maximum resident size); cases.csv
   seconds beside it.
3. What the search indexes cost a report: reports through the service (`cases.report.report`, in
   process) with the indexes, without them (SQLite: the triggers dropped; PostgreSQL: the GIN
   indexes dropped) and with them again, at the loaded size; reports per second.
Own databases (bench/out/search.db, gridflow_bench_search): other benches' are left alone.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
import tracemalloc
from datetime import timedelta

from sqlalchemy import delete, func, select

from bench.cases import COLUMNS, _rows, copy_cases
from bench.common import PASSWORD, add_backend_options, backends, demo_city, disposing, percentiles, quiet_logs
from gridflow.cases import export
from gridflow.cases import lists as caselists
from gridflow.clock import local_date, utcnow
from gridflow.db import get_db
from gridflow.models import Case, CaseEvent, Division
from gridflow.schemas.cases import CaseExport, CaseSearch
from gridflow.web.labels import export_labels
from gridflow.workflow.rules import ADMIN, MEDIATOR, Actor

PLACES = "幸福小区 阳光花园 建设路 人民路 中原路 华龙广场 老城菜市场 第三中学 东风新村 开发区 铁路家属院 城东村".split()
THINGS = "楼上漏水 噪音扰民 路灯不亮 井盖缺失 垃圾堆积 占道经营 违章搭建 宠物伤人 停车纠纷 拖欠工资 邻里争执 宅基地纠纷".split()
DETAILS = "多次协商未果 影响居民出行 夜间尤为严重 双方情绪激动 已持续一周 请求尽快处理 存在安全隐患 物业未处理".split()


def texts(rng: random.Random) -> tuple[str, str]:
    """A description and an address, as a reporter writes them."""
    place = rng.choice(PLACES)
    description = f"{place}{rng.randint(1, 30)}号楼{rng.choice(THINGS)}，{rng.choice(DETAILS)}"
    return description, f"{place}{rng.randint(1, 200)}号"


def bulk_load(db, n: int) -> float:
    """n cases (bench.cases' rows) with texts of their own."""
    started = time.perf_counter()
    rng = random.Random(11)
    description = COLUMNS.index("description")
    columns = [*COLUMNS, "address"]

    def rows():
        for row in _rows(db, n, "Q", overdue=False, seed=3):
            text, address = texts(rng)
            yield (*row[:description], text, *row[description + 1 :], address)

    copy_cases(db, columns, rows())
    return time.perf_counter() - started


def queries(db, count: int, rng: random.Random) -> list[str]:
    """Substrings of three to six characters of stored descriptions and addresses."""
    with db.session() as s:
        top = s.scalar(select(func.max(Case.id))) or 1
        picked = []
        while len(picked) < count:
            row = s.execute(
                select(Case.description, Case.address).where(Case.id >= rng.randint(1, top)).limit(1)
            ).first()
            if row is None:
                continue
            source = rng.choice([t for t in row if t])
            size = rng.randint(3, 6)
            start = rng.randint(0, max(0, len(source) - size))
            picked.append(source[start : start + size])
    return picked


def timed_searches(db, actor: Actor, wanted: list[str]) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, mean matches) of `GET /cases?q=` for each text, through the service."""
    samples, totals = [], []
    for q in wanted:
        started = time.perf_counter()
        page = caselists.search(db, actor, CaseSearch(q=q))
        samples.append((time.perf_counter() - started) * 1000)
        totals.append(page.total)
    p50, p95 = percentiles(samples)
    return p50, p95, sum(totals) / len(totals)


def street_mediator(db) -> Actor:
    """A mediator of the street with the most cases."""
    with db.session() as s:
        street_id, _ = s.execute(
            select(Case.street_id, func.count()).group_by(Case.street_id).order_by(func.count().desc()).limit(1)
        ).one()
        division = s.get(Division, street_id)
        # An id no case names as its reporter (None would match the bulk-loaded cases' NULL).
        return Actor(-1, "bench street mediator", MEDIATOR, division_id=division.id, division_level="street")


def bench_export(app, db, rows_wanted: int) -> None:
    """cases.xlsx (and .csv) of the cases reported since a day chosen to give about `rows_wanted`."""
    admin = Actor(None, "bench admin", ADMIN)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Case))
        newest = s.scalar(select(func.max(Case.created_at))) or utcnow()
        oldest = s.scalar(select(func.min(Case.created_at))) or utcnow()
    days = max(1, round((newest - oldest).days * min(1.0, rows_wanted / max(total, 1))))
    query = CaseExport.model_validate({"from": (local_date(utcnow()) - timedelta(days=days)).isoformat()})
    with app.test_request_context():
        labels = export_labels("zh")
    started = time.perf_counter()
    out = export.write_xlsx(export.case_rows(db, admin, query, labels), labels.headers, labels.sheet)
    seconds = time.perf_counter() - started
    size = out.seek(0, 2)
    out.close()
    started = time.perf_counter()
    written = sum(len(chunk) for chunk in export.write_csv(export.case_rows(db, admin, query, labels), labels.headers))
    csv_seconds = time.perf_counter() - started
    with db.session() as s:
        rows = s.scalar(
            select(func.count()).select_from(caselists.search_statement(s, admin, query, utcnow())[0].subquery())
        )
    tracemalloc.start()
    export.write_xlsx(export.case_rows(db, admin, query, labels), labels.headers, labels.sheet).close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  cases.xlsx of {rows:,} rows: {seconds:.1f} s, {size / 1e6:.1f} MB; peak Python memory {peak / 1e6:.1f} MB "
        f"(tracemalloc), process max RSS {maxrss_mb:.0f} MB; cases.csv: {csv_seconds:.1f} s, {written / 1e6:.1f} MB"
    )


def _migration():
    """The case-search migration (its statements make and drop the indexes here as there)."""
    import importlib.util
    from pathlib import Path

    [path] = (Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("*_case_search.py")
    spec = importlib.util.spec_from_file_location("case_search_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _indexes(db, present: bool) -> None:
    """Drop or make again the search indexes (not the SQLite table: its entries stay as they are)."""
    m = _migration()
    if db.is_postgres:
        statements = m.POSTGRES_UP[1:] if present else m.POSTGRES_DOWN
    else:
        statements = m.SQLITE_UP[1:4] if present else m.SQLITE_DOWN[:3]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def reports_per_second(app, db, n: int) -> float:
    """n reports through the service at places where cases are, then deleted again (their events too)."""
    from gridflow.cases.policy import Policy
    from gridflow.cases.report import report
    from gridflow.models import User
    from gridflow.people.users import add_user
    from gridflow.schemas.cases import ReportInput

    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "bench.search")).first()
        if user is None:
            user = add_user(s, "bench.search", "admin", None, None, PASSWORD)
        places = s.execute(select(Case.lon, Case.lat).limit(n)).all()
        actor = Actor(user.id, "bench", ADMIN)
        first_id = (s.scalar(select(func.max(Case.id))) or 0) + 1
    policy = Policy.from_config(app.config)
    rng = random.Random(n)
    inputs = [
        ReportInput.model_validate(
            {
                "kind": "incident",
                "category": "G01",
                "description": texts(rng)[0],
                "address": texts(rng)[1],
                "location": {"lon": lon, "lat": lat},
            }
        )
        for lon, lat in places
    ]
    started = time.perf_counter()
    for inp in inputs:
        report(db, actor, inp, policy)
    rate = len(inputs) / (time.perf_counter() - started)
    with db.session() as s:
        s.execute(delete(CaseEvent).where(CaseEvent.case_id >= first_id))
        s.execute(delete(Case).where(Case.id >= first_id))
    return rate


def bench_report_cost(app, db, n: int, rounds: int = 3) -> None:
    """Rounds of n reports with the indexes, then n without them, paired (noise on a shared machine
    hits a round, not a side)."""
    reports_per_second(app, db, max(10, n // 4))  # warm
    with_, without = [], []
    for _ in range(rounds):
        with_.append(reports_per_second(app, db, n))
        _indexes(db, present=False)
        try:
            without.append(reports_per_second(app, db, n))
        finally:
            _indexes(db, present=True)
    paired = statistics.median(w / o for w, o in zip(with_, without))
    print(
        f"  reports through the service, {n} a round: with the search indexes "
        f"{', '.join(f'{r:.0f}' for r in with_)}/s; without them {', '.join(f'{r:.0f}' for r in without)}/s; "
        f"best with ÷ best without {max(with_) / max(without):.2f}, median of paired rounds {paired:.2f}"
    )


def run(
    name: str,
    url: str,
    n_cases: int,
    n_queries: int,
    export_rows: int,
    scale: str = "full",
    reports: int = 300,
    only_reports: bool = False,
) -> None:
    print(f"== {name}")
    with disposing(demo_city(url, scale=scale)) as app:
        measure(app, n_cases, n_queries, export_rows, reports, only_reports)


def measure(app, n_cases: int, n_queries: int, export_rows: int, reports: int, only_reports: bool) -> None:
    """The figures on `app`'s database (its cases bulk-loaded first unless they are there)."""
    db = get_db(app)
    with db.session() as s:
        loaded = s.scalar(select(func.count()).select_from(Case).where(Case.number.between("Q", "Q\uffff")))
    if loaded < n_cases * 0.9:
        with db.session() as s:
            s.execute(delete(CaseEvent))
            s.execute(delete(Case))
        print(f"  bulk-loaded {n_cases:,} cases with texts in {bulk_load(db, n_cases):.0f} s")
    with db.session() as s:
        stored = s.scalar(select(func.count()).select_from(Case))
    print(f"  {stored:,} cases stored")
    if only_reports:
        bench_report_cost(app, db, reports)
        return
    rng = random.Random(5)
    wanted = queries(db, n_queries, rng)
    two = [q[:2] for q in wanted[: max(5, n_queries // 5)]]
    admin = Actor(None, "bench admin", ADMIN)
    street = street_mediator(db)
    caselists.search(db, admin, CaseSearch(q=wanted[0]))  # warm: statements compiled, caches filled
    for who, actor in (("admin, whole city", admin), ("street mediator", street)):
        p50, p95, matches = timed_searches(db, actor, wanted)
        print(
            f"  q of 3-6 characters ({who}): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(wanted)} texts "
            f"(mean {matches:,.0f} matches)"
        )
        p50, p95, matches = timed_searches(db, actor, two)
        print(
            f"  q of 2 characters, bounded scan ({who}): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(two)} "
            f"texts (mean {matches:,.0f} matches among the newest cases)"
        )
    bench_export(app, db, export_rows)
    bench_report_cost(app, db, reports)


def main() -> None:
    quiet_logs()
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--reports-only", action="store_true", help="only what the indexes cost a report")
    add_backend_options(parser)
    parser.add_argument("--smoke", action="store_true", help="every step at toy size, on its own databases")
    args = parser.parse_args()
    names = ("search.db", "gridflow_bench_search")
    sizes = (args.cases, args.queries, args.export_rows, "full", args.reports, args.reports_only)
    if args.smoke:
        names = ("search_smoke.db", "gridflow_bench_search_smoke")
        sizes = (3_000, 20, 1_000, "small", 40, args.reports_only)
    for name, url in backends(args, *names):
        run(name, url, *sizes)


if __name__ == "__main__":
    main()
