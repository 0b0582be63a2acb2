"""bench/field.py runs every step at toy size against the live server (its figures are not checked here:
that the shell is measured, the throttled form gets ready, and queued reports arrive once and in order)."""

from __future__ import annotations

from bench.field import Phone, measure
from tests.cases_helpers import PASSWORD, WEST_NW


def test_the_field_bench_runs_every_step(browser, live_server, capsys):
    figures = measure(
        browser, live_server.url, Phone("gw1", PASSWORD, WEST_NW["lon"], WEST_NW["lat"]), live_server.app, 2
    )
    out = capsys.readouterr().out
    for step in ("app shell on first load", "report form usable", "offline sync"):
        assert step in out
    assert figures["cases"] == 2 and figures["photos"] == 6 and figures["in_order"]
    assert figures["shell_gzip"] < 250_000
