"""The benchmark scripts run end to end (at toy sizes: their figures are not checked here, only that
every step still works against the current code on both back ends)."""

from __future__ import annotations

import gc
import socket
import warnings
from dataclasses import replace

import pytest

from bench import cases as bench_cases
from bench import login_flood as bench_login_flood
from bench import notify as bench_notify
from bench import spatial as bench_spatial


@pytest.fixture(autouse=True)
def _benches_leave_no_connections_behind():
    """The benches build apps (and engines) of their own and leave them to the garbage collector: collect
    them here, so that a pooled connection closed by its finaliser is not reported as a resource
    warning in whichever later test the collector happens to run (the product's engines are disposed)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def free_port_pair() -> int:
    """A port p with p and p + 1 free (the bench serves ours on p and the bare endpoint on p + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no two free consecutive ports")


def test_the_case_bench_runs_every_step(db_url, capsys):
    sizes = replace(bench_cases.SMOKE, cases=400, overdue=40, queue_requests=8, reports=12)
    bench_cases.run("test", db_url, free_port_pair(), sizes=sizes)
    out = capsys.readouterr().out
    for step in (
        "active cases stored",
        "sweep finding overdue",
        "sweep escalating",
        "GET /api/v1/queue",
        "POST /api/v1/cases",
        "ratio, best rounds",
    ):
        assert step in out, out


def test_the_notification_bench_runs_every_step(db_url, capsys):
    bench_notify.run("test", db_url, free_port_pair(), sizes=replace(bench_notify.SMOKE, messages=20, reports=8))
    out = capsys.readouterr().out
    for step in ("1 sender(s)", "2 sender(s)", "reports/s alone", "with a sender delivering beside"):
        assert step in out, out


def test_the_spatial_bench_runs_every_step(db_url, capsys):
    bench_spatial.bench_bulk(2_000, scale="small")
    bench_spatial.bench_locate("test", db_url, n=10, scale="small")
    out = capsys.readouterr().out
    for step in ("ratio to the fastest raw query", "locate on test", "coverage on test"):
        assert step in out, out


def test_the_client_id_bench_runs_every_step(db_url, capsys):
    from bench import client_id as bench_client_id

    bench_client_id.measure("test", db_url, reports=3, rounds=1)
    out = capsys.readouterr().out
    assert "without client_id" in out and "a repeat answered" in out, out


def test_the_login_flood_bench_runs_every_step(db_url, capsys):
    bench_login_flood.run("test", db_url, free_port_pair(), bench_login_flood.SMOKE)
    out = capsys.readouterr().out
    for step in ("GET /api/v1/queue alone", "wrong-password flood", "known name", "unknown name"):
        assert step in out, out


def test_the_pages_bench_runs_every_step(db_url, capsys):
    from bench import pages as bench_pages

    bench_pages.run("test", db_url, replace(bench_pages.SMOKE, cases=400, requests=6, recorded=2))
    out = capsys.readouterr().out
    for step in (
        "cases stored",
        "GET /queue, first page",
        "a page from the middle",
        "words in no case",
        "GET /cases/<id>",
        "GET /dashboard",
    ):
        assert step in out, out


def test_the_stats_bench_runs_every_step(db_url, capsys):
    from bench import stats as bench_stats

    bench_stats.run("test", db_url, replace(bench_stats.SMOKE, cases=400, rounds=1))
    out = capsys.readouterr().out
    for step in ("cases with facts", "the city, totals", "by division,month", "by division"):
        assert step in out, out


def test_the_search_bench_runs_every_step(db_url, capsys):
    from bench import search as bench_search

    bench_search.run("test", db_url, n_cases=400, n_queries=5, export_rows=100, scale="small", reports=5)
    out = capsys.readouterr().out
    steps = ("q of 3-6 characters (admin", "q of 2 characters, bounded scan (street", "cases.xlsx of", "cases.csv")
    for step in (*steps, "without them"):
        assert step in out, out


def test_the_admin_bench_runs_every_step(db_url, capsys):
    from bench import admin as bench_admin

    bench_admin.run("test", db_url, 30, 2, fresh=False)  # the test database, migrated
    out = capsys.readouterr().out
    assert "GET /admin/audit?verify=1" in out and "chain verification alone" in out
