"""What each part of a report costs: `POST /api/v1/cases` in process (Flask's test client, no HTTP),
on the small demo city, in alternating rounds with one part left out at a time.  Run:
    .venv/bin/python -m bench.report_costs [--reports N] [--rounds R] [--skip-sqlite] [--skip-postgis]

Parts: the notification outbox rows (`notifications.rules.for_events`), the evaluation figures'
`case_facts` row, the text-search index (SQLite: the FTS5 triggers; PostgreSQL: the pg_trgm GIN
indexes).  Leaving a part out is done here only, for measuring (monkeypatching, or dropping and
re-creating the index inside this bench's own database); the product never runs without them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import select, text

from bench.common import add_backend_options, backends, demo_city, disposing, quiet_logs
from gridflow.cases import report as report_module
from gridflow.db import get_db
from gridflow.models import User
from gridflow.people.users import add_user

PASSWORD = "report-costs-password"
CITY_BOX = (114.9, 35.55, 115.6, 36.1)


def bodies(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "kind": "incident",
            "category": rng.choice(["G01", "G03", "A01", "O02"]),
            "description": "压测上报：路灯不亮，井盖缺失",
            "location": {"lon": rng.uniform(CITY_BOX[0], CITY_BOX[2]), "lat": rng.uniform(CITY_BOX[1], CITY_BOX[3])},
        }
        for _ in range(n)
    ]


@contextmanager
def nothing():
    yield


@contextmanager
def without_notifications():
    saved = report_module.for_events
    report_module.for_events = lambda *a, **k: None
    try:
        yield
    finally:
        report_module.for_events = saved


@contextmanager
def without_facts():
    hot = report_module._INSERT_FACTS
    saved = hot.rows
    hot.rows = lambda *a, **k: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        hot.rows = saved  # type: ignore[method-assign]


def search_index_toggle(app):
    """A context that drops the text-search index for its duration (and puts it back)."""
    db = get_db(app)
    dialect = db.engine.dialect.name

    @contextmanager
    def without_search():
        with db.engine.begin() as conn:
            if dialect == "sqlite":
                rows = conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND name LIKE 'case_search_%'")
                ).all()
                for name, _ in rows:
                    conn.execute(text(f"DROP TRIGGER {name}"))
            else:
                rows = conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_case_trgm_%'")
                ).all()
                for name, _ in rows:
                    conn.execute(text(f"DROP INDEX {name}"))
        try:
            yield
        finally:
            with db.engine.begin() as conn:
                for _, sql in rows:
                    conn.execute(text(sql))

    return without_search


def run(name: str, url: str, reports: int, rounds: int) -> None:
    quiet_logs()  # no access line per report in the figures (as the servers of bench.cases)
    with disposing(demo_city(url, scale="small")) as app:
        measure(name, app, reports, rounds)


def measure(name: str, app, reports: int, rounds: int) -> None:
    with get_db(app).session() as s:
        if s.scalar(select(User.id).where(User.username == "costs.admin")) is None:
            add_user(s, "costs.admin", "admin", None, None, PASSWORD)
    client = app.test_client()
    tok = client.post("/api/v1/auth/token", json={"username": "costs.admin", "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {tok}"}
    variants = {
        "everything": nothing,
        "without notification rows": without_notifications,
        "without case_facts": without_facts,
        "without the text-search index": search_index_toggle(app),
    }
    seen: dict[str, list[float]] = {k: [] for k in variants}
    seed = 0
    for ctx in variants.values():  # warm-up
        with ctx():
            for body in bodies(20, seed):
                client.post("/api/v1/cases", json=body, headers=headers)
    for _ in range(rounds):
        for k, ctx in variants.items():
            seed += 1
            batch = bodies(reports, seed)
            with ctx():
                started = time.perf_counter()
                for body in batch:
                    r = client.post("/api/v1/cases", json=body, headers=headers)
                    assert r.status_code in (201, 422), r.json
                seen[k].append(reports / (time.perf_counter() - started))
    base = seen["everything"]
    print(f"== {name}: reports/s in process ({rounds} rounds of {reports}), and what each part costs")
    for k, rates in seen.items():
        paired = statistics.median(b / r for b, r in zip(base, rates))
        print(f"  {k:32s} {statistics.median(rates):7.0f}/s  (everything ÷ this: {paired:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    add_backend_options(parser)
    args = parser.parse_args()
    for name, url in backends(args, "report_costs", "report_costs"):
        run(name, url, args.reports, args.rounds)


if __name__ == "__main__":
    main()
