"""Server time of the audit log page (/admin/audit), and of verifying its whole keyed chain (the page
does that on request only, `?verify=1`: it reads every entry).  Run: .venv/bin/python -m bench.admin [--entries N …] [--smoke]

On a fresh SQLite file and a fresh PostgreSQL database, the log is filled with N entries (logins, as
most of a real log is: appended through `audit.log.record`, the chain and anchor as in production,
1000 a transaction); then p50/p95 of the page's server time (Flask's test client in this process),
unfiltered, filtered (kind=login, actor, subject) and verifying, and of the chain's verification alone.
"""

from __future__ import annotations

import argparse
import time

from bench.common import (
    PASSWORD,
    add_backend_options,
    app_for,
    backends,
    disposing,
    log_in_page,
    percentiles,
    quiet_logs,
    timed_get,
)
from gridflow.audit import read
from gridflow.audit.log import Caller, record
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.people.users import add_user
from gridflow.workflow.rules import ADMIN, Actor


def _fill(app, entries: int) -> None:
    db = get_db(app)
    caller = Caller(Actor(None, "bench", ADMIN, username="bench"), chain_keys(app.config), "10.0.0.1")
    done = 0
    while done < entries:
        with db.session(write=True) as s:
            for i in range(done, min(entries, done + 1000)):
                record(s, caller, "login.success" if i % 3 else "login.failure", f"user:u{i % 500}", {"known": True})
        done = min(entries, done + 1000)


def _timed(client, url: str, n: int) -> tuple[float, float]:
    return percentiles([timed_get(client, url) for _ in range(n)])


def run(backend: str, url: str, entries: int, requests: int, fresh: bool = True) -> None:
    with disposing(app_for(url, fresh=fresh)) as app:
        measure(backend, app, entries, requests)


def measure(backend: str, app, entries: int, requests: int) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    with get_db(app).session() as s:
        add_user(s, "admin", "admin", None, None, PASSWORD)
    started = time.perf_counter()
    _fill(app, entries)
    filled = time.perf_counter() - started
    client = app.test_client()
    log_in_page(client, "admin")
    keys = chain_keys(app.config)
    verify = []
    for _ in range(max(3, requests // 4)):
        t0 = time.perf_counter()
        check, count = read.verify(get_db(app), keys)
        verify.append((time.perf_counter() - t0) * 1000)
        assert check.valid and count >= entries
    page = _timed(client, "/admin/audit", requests)
    verified = _timed(client, "/admin/audit?verify=1", max(3, requests // 4))
    filtered = _timed(client, "/admin/audit?kind=login&actor=bench&subject=user:u7", requests)
    v50, v95 = percentiles(verify)
    print(f"{backend}: {entries:,} entries (appended in {filled:.1f} s)")
    print(f"  chain verification alone   p50 {v50:8.1f} ms   p95 {v95:8.1f} ms")
    print(f"  GET /admin/audit           p50 {page[0]:8.1f} ms   p95 {page[1]:8.1f} ms")
    print(f"  GET /admin/audit?filters   p50 {filtered[0]:8.1f} ms   p95 {filtered[1]:8.1f} ms")
    print(f"  GET /admin/audit?verify=1  p50 {verified[0]:8.1f} ms   p95 {verified[1]:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="a few hundred entries, a few requests")
    add_backend_options(parser)
    args = parser.parse_args()
    quiet_logs()
    sizes, requests = ([300], 4) if args.smoke else (args.entries, args.requests)
    for entries in sizes:
        for name, url in backends(args, "admin_audit.db", "gridflow_bench_admin"):
            run(name, url, entries, requests)


if __name__ == "__main__":
    main()
