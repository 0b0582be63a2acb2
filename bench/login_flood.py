"""Guessing passwords against a live server (issue 8).  Run: .venv/bin/python -m bench.login_flood

Against gunicorn with 2 sync workers on loopback (production Argon2 cost), on SpatiaLite and PostGIS:
1. other requests (GET /api/v1/queue with a valid token): p50/p95 alone, and while 16 threads send
   wrong passwords to POST /api/v1/auth/token as fast as they are answered (names known and unknown);
2. how long a wrong password takes for a user name that exists and for one that does not (p50/p95;
   served with the per-address limit raised, so that every attempt is checked).

`--smoke` runs every step at toy size.  Only APIs that GridFlow had before the throttle are used, so
the same file measures an older checkout too (copy it into that checkout's bench/).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import OUT, add_backend_options, app_for, backends, disposing, fresh_database, percentiles
from gridflow.db import get_db
from gridflow.people.users import add_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "flood-bench-password"
WRONG = "a wrong password"


@dataclass(frozen=True)
class Sizes:
    requests: int = 300  # GET /queue alone
    flood_requests: int = 100  # GET /queue under the flood (before the throttle: seconds each)
    threads: int = 16  # flooding threads
    attempts: int = 40  # wrong passwords per kind of name (known, unknown)
    users: int = 40
    settle_s: float = 10.0  # the flood runs this long before other requests are measured


FULL = Sizes()
SMOKE = Sizes(requests=20, flood_requests=10, threads=4, attempts=4, users=4, settle_s=1.0)


@contextmanager
def gunicorn(url: str, port: int, **settings: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDFLOW_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "GRIDFLOW_LOG_LEVEL": "WARNING"}
    env |= {"GRIDFLOW_INSTANCE": str(OUT / "flood-instance")} | settings
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*command, "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
    try:
        for _ in range(300):
            try:
                request(port, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def request(port: int, method: str, path: str, body=None, headers=None, conn=None) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one request (on `conn` if given, else a new connection)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request(
            method,
            path,
            body=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started
    finally:
        if own:
            conn.close()


def prepare(url: str, sizes: Sizes) -> None:
    """An admin, `sizes.users` grid workers for the flood and one for each timed attempt (no city: the
    queue is empty, the point is the wait)."""
    names = [
        "flood.admin",
        *(f"flood.u{i}" for i in range(sizes.users)),
        *(f"timed.u{i}" for i in range(sizes.attempts)),
    ]
    with disposing(app_for(url, fresh=False, INSTANCE_PATH=str(OUT / "flood-instance"))) as app:
        with get_db(app).session() as s:
            for name in names:
                add_user(s, name, "admin" if name == "flood.admin" else "grid_worker", None, None, PASSWORD)


def queue_times(port: int, token: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    try:
        for _ in range(n):
            status, data, seconds = request(
                port, "GET", "/api/v1/queue", headers={"Authorization": f"Bearer {token}"}, conn=conn
            )
            assert status == 200, data
            samples.append(seconds * 1000)
    finally:
        conn.close()
    return samples


def flood(port: int, sizes: Sizes, stop: threading.Event, statuses: Counter) -> list[threading.Thread]:
    def attack(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            while not stop.is_set():
                name = f"flood.u{rng.randrange(sizes.users)}" if rng.random() < 0.5 else f"guess{rng.randrange(10**6)}"
                status, _, _ = request(
                    port, "POST", "/api/v1/auth/token", {"username": name, "password": WRONG}, conn=conn
                )
                statuses[status] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=attack, args=(i,), daemon=True) for i in range(sizes.threads)]
    for t in threads:
        t.start()
    return threads


def login(port: int, username: str, password: str) -> str:
    status, data, _ = request(port, "POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert status == 200, data
    return json.loads(data)["token"]


def run(name: str, url: str, port: int, sizes: Sizes = FULL) -> None:
    print(f"== {name}")
    prepare(url, sizes)
    with gunicorn(url, port):
        token = login(port, "flood.admin", PASSWORD)
        queue_times(port, token, 10)  # warm: connections open, statements prepared
        alone = percentiles(queue_times(port, token, sizes.requests))
        stop, statuses = threading.Event(), Counter()
        threads = flood(port, sizes, stop, statuses)
        time.sleep(sizes.settle_s)  # past the first checked attempts: the flood as it goes on
        started, before = time.perf_counter(), Counter(statuses)
        flooded = percentiles(queue_times(port, token, sizes.flood_requests))
        during = Counter(statuses)
        during.subtract(before)
        rate = sum(during.values()) / (time.perf_counter() - started)
        stop.set()
        for t in threads:
            t.join(timeout=120)
    print(f"  GET /api/v1/queue alone: p50 {alone[0]:.1f} ms, p95 {alone[1]:.1f} ms")
    print(
        f"  GET /api/v1/queue under a {sizes.threads}-thread wrong-password flood: p50 {flooded[0]:.1f} ms, "
        f"p95 {flooded[1]:.1f} ms  (meanwhile the flood was answered {rate:.0f}/s: {dict(sorted(during.items()))})"
    )
    # Every attempt checked (the per-address limit raised; the per-name one is not reached).
    with gunicorn(url, port, GRIDFLOW_LOGIN_MAX_FAILURES_PER_CLIENT="1000000"):
        known, unknown = [], []
        for i in range(sizes.attempts):
            for names, samples in ((f"timed.u{i}", known), (f"nobody{i}", unknown)):
                status, data, seconds = request(
                    port, "POST", "/api/v1/auth/token", {"username": names, "password": WRONG}
                )
                assert status == 401, data
                samples.append(seconds * 1000)
    (k50, k95), (u50, u95) = percentiles(known[2:]), percentiles(unknown[2:])  # each worker makes its dummy hash once
    print(
        f"  wrong password, known name: p50 {k50:.1f} ms, p95 {k95:.1f} ms; unknown name: p50 {u50:.1f} ms, p95 {u95:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="every step at toy size")
    parser.add_argument("--port", type=int, default=5158)
    add_backend_options(parser)
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    for name, url in backends(args, "login_flood.db", "gridflow_bench_flood"):
        fresh_database(url)
        run(name, url, args.port, sizes)


if __name__ == "__main__":
    main()
