"""Fuzz the API against its own OpenAPI document (schemathesis), as a grid worker and a mediator.

    python -m bench.fuzz [--examples N] [--skip-sqlite] [--skip-postgis]

For every operation of /api/v1/openapi.json: N requests generated from the document fitting it, N
not fitting it, its documented examples, and N aimed at each of two stored cases where the path
names a case (hypothesis, derandomised); each sent once as the grid worker `gw1` and once as the
mediator `med_comm` and once as the administrator `admin` of the test suite's fixture city, to the
app in-process (WSGI); the tokens are issued afresh before each operation (a generated logout or
role change must not silence the rest) and the three accounts enabled again.  Checks:
no 5xx, every status documented for the operation, JSON content type, every body valid against
the document's schema.  Prints the count of requests and of failures; exits non-zero on any failure.
The test suite runs the same with a few examples (tests/test_api_fuzz.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
USERS = ("gw1", "med_comm", "admin")


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_status.items()))
        return f"{self.requests} requests ({statuses}); {len(self.failures)} failing operation(s)"


def prepare(app, tmp_path: Path) -> Callable[[], dict[str, str]]:
    """The fixture city, its users, a few cases to find (ids 1 and 2); what signs USERS in."""
    from gridflow.db import get_db
    from tests.cases_helpers import Api, setup_city

    db = get_db(app)
    setup_city(app.test_cli_runner(), tmp_path, db)
    api = Api(app.test_client(), {})
    for user in USERS[:2]:
        case = api.report(user).json
        api.event("med_comm", case, "claim")

    def sign_in() -> dict[str, str]:
        """Fresh tokens for USERS, enabled again if a generated request disabled them."""
        from sqlalchemy import select, update

        from gridflow.models import User
        from gridflow.people.tokens import make_token

        with db.session(write=True) as s:
            s.execute(update(User).where(User.username.in_(USERS)).values(active=True))
            users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(USERS)))}
        return {name: make_token(app.config["SECRET_KEY"], users[name]) for name in USERS}

    return sign_in


def fuzz(app, sign_in: Callable[[], dict[str, str]], examples: int, stop_at_first: bool = True) -> FuzzReport:
    """Every operation of the app's served document: its documented examples, `examples` generated
    cases per generation mode, and as many aimed at the stored cases (ids 1, 2) where a path names one."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [(f"{mode.value}", operation.as_strategy(generation_mode=mode)) for mode in GenerationMode]
        strategies += [(f"example {i}", s) for i, s in enumerate(schema.get_strategies_from_examples(operation))]
        if "{case_id}" in operation.path:
            strategies += [(f"case {i}", operation.as_strategy(path_parameters={"case_id": i})) for i in (1, 2)]
        for label, strategy in strategies:
            try:
                _examples(strategy, examples, list(sign_in().values()), report)()
            except Unsatisfiable:  # nothing to get wrong (GET /categories takes no input at all)
                continue
            except Exception as exc:
                if stop_at_first:
                    raise
                report.failures.append(f"{operation.label} ({label}): {exc}")
    return report


def _examples(strategy, examples: int, tokens: list[str], report: FuzzReport):
    """The hypothesis test of one strategy: each generated case sent with each token."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        for token in tokens:
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            report.requests += 1
            report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1

    return run


def run_on(name: str, url: str, examples: int) -> FuzzReport:
    from bench.common import app_for, disposing
    from gridflow.migrate import upgrade

    upgrade(url)
    with disposing(app_for(url, fresh=False, SECRET_KEY="fuzz")) as app:
        with tempfile.TemporaryDirectory() as tmp:
            sign_in = prepare(app, Path(tmp))
        started = time.perf_counter()
        report = fuzz(app, sign_in, examples, stop_at_first=False)
        print(f"{name}: {report.line()} in {time.perf_counter() - started:.0f} s")
        for failure in report.failures:
            print(f"  FAILED {failure}")
        return report


def main() -> None:
    from bench.common import add_backend_options, backends, fresh_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=60, help="per operation and generation mode")
    add_backend_options(parser)
    args = parser.parse_args()
    failed = False
    for name, url in backends(args, "fuzz.db", "gridflow_bench_fuzz"):
        fresh_database(url)
        failed |= bool(run_on(name, url, args.examples).failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
