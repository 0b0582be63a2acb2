"""What exactly-once reports cost on the report path, in process (no HTTP, no gunicorn).

    python -m bench.client_id [--reports N] [--rounds R] [--smoke] [--skip-sqlite] [--skip-postgis]

On the test suite's fixture city (a database of its own per back end), the grid worker `gw1` reports
through the Flask test client: reports without `client_id` alternate with reports
carrying a new one each, R × N pairs (the index probe travels with the place and duplicate look-ups),
then N repeats of a known one (answered from the stored case).  Prints the median time per report of
each kind and the median of the paired differences.  Reports without a client id send exactly what they sent before.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path


def measure(name: str, url: str, reports: int, rounds: int) -> dict[str, float]:
    from bench.common import app_for, disposing
    from gridflow.db import get_db
    from gridflow.migrate import upgrade
    from tests.cases_helpers import WEST_SW, Api, setup_city

    upgrade(url)
    with (
        tempfile.TemporaryDirectory() as tmp,
        disposing(app_for(url, fresh=False, SECRET_KEY="bench", INSTANCE_PATH=tmp, LOG_LEVEL="WARNING")) as app,
    ):
        setup_city(app.test_cli_runner(), Path(tmp), get_db(app))
        api = Api(app.test_client(), {})
        headers = api.headers("gw2")
        body = {"kind": "incident", "category": "G01", "description": "暴露垃圾", "location": WEST_SW}

        def timed(extra: dict, expect: int) -> float:
            started = time.perf_counter()
            r = api.client.post("/api/v1/cases", json=body | extra, headers=headers)
            elapsed = time.perf_counter() - started
            assert r.status_code == expect, r.json
            return elapsed

        for _ in range(max(10, reports // 4)):  # warm up: statements compiled and prepared
            timed({}, 201)
            timed({"client_id": str(uuid.uuid4())}, 201)
        plain: list[float] = []
        with_id: list[float] = []
        for _ in range(rounds * reports):  # in pairs, one right after the other: the machine's noise
            plain.append(timed({}, 201))  # hits both alike, and the median of the differences
            with_id.append(timed({"client_id": str(uuid.uuid4())}, 201))  # sees through it
        known = str(uuid.uuid4())
        timed({"client_id": known}, 201)
        repeats = [timed({"client_id": known}, 200) for _ in range(reports)]
    result = {
        k: statistics.median(v) * 1000 for k, v in (("plain", plain), ("client_id", with_id), ("repeat", repeats))
    }
    extra = result["difference"] = statistics.median(b - a for a, b in zip(plain, with_id)) * 1000
    print(
        f"{name}: report p50 {result['plain']:.2f} ms without client_id, {result['client_id']:.2f} ms with one "
        f"(median of paired differences {extra * 1000:+.0f} µs, {extra / result['plain']:+.1%}); a repeat answered in {result['repeat']:.2f} ms "
        f"({rounds * reports} pairs)"
    )
    return result


def main() -> None:
    from bench.common import add_backend_options, backends, fresh_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a few reports: does every step work")
    add_backend_options(parser)
    args = parser.parse_args()
    reports, rounds = (5, 1) if args.smoke else (args.reports, args.rounds)
    for name, url in backends(args, "client_id.db", "gridflow_bench_client_id"):
        fresh_database(url)
        measure(name, url, reports, rounds)


if __name__ == "__main__":
    main()
