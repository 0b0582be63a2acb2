"""Logging: the scheduler's lines reach the log; JSON lines carry the request id and the user id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gridflow.people.users import add_user

GRIDFLOW = str(Path(sys.executable).parent / "gridflow")


def _env(db_url: str, tmp_path: Path, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDFLOW_", "DATABASE_URL", "SECRET_KEY"))}
    return env | {"GRIDFLOW_DATABASE_URL": db_url, "GRIDFLOW_INSTANCE": str(tmp_path / "instance")} | settings


def test_the_scheduler_logs_that_it_started_and_each_sweep(db_url, tmp_path):
    env = _env(db_url, tmp_path, GRIDFLOW_SWEEP_INTERVAL_SECONDS="0.2")
    proc = subprocess.Popen([GRIDFLOW, "scheduler"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum("sweep: " in line for line in lines) < 2:
            lines.append(proc.stderr.readline())
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        proc.stderr.close()
    assert any("INFO gridflow.scheduler | scheduler started: a sweep every 0.2 s" in line for line in lines), lines
    assert sum("INFO gridflow.scheduler | sweep: 0 escalated" in line for line in lines) >= 2, lines


SCRIPT = """
import json, sys
from gridflow import create_app
app = create_app()
client = app.test_client()
client.get("/healthz", headers={"X-Request-ID": "req-from-nginx-1"})
token = client.post("/api/v1/auth/token", json={"username": "med", "password": "log-test-password"}).json["token"]
client.get("/api/v1/queue", headers={"Authorization": "Bearer " + token, "X-Request-ID": "bad id; with spaces"})
"""


def test_json_logs_are_one_object_a_line_with_request_and_user_ids(app, db, db_url, tmp_path):
    with db.session() as s:
        user = add_user(s, "med", "admin", None, [], "log-test-password")
        user_id = user.id
    env = _env(db_url, tmp_path, GRIDFLOW_LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one JSON object
    requests = [e for e in entries if e["logger"] == "gridflow.request"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("GET", "/healthz", 200),
        ("POST", "/api/v1/auth/token", 200),
        ("GET", "/api/v1/queue", 200),
    ]
    assert requests[0]["request_id"] == "req-from-nginx-1" and requests[0]["user_id"] is None
    assert requests[2]["user_id"] == user_id
    assert len(requests[2]["request_id"]) == 32  # made anew: the one sent is refused
    assert all(e["duration_ms"] >= 0 and e["level"] == "INFO" and e["time"].endswith("+00:00") for e in requests)


def test_each_answer_carries_its_request_id(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_library_chatter_stays_out_of_the_log_at_info():
    """transitions logs three lines of callbacks for every trigger at INFO: a report would write four
    lines instead of one (and spend measurable time on them)."""
    import logging

    from gridflow.logs import configure

    transitions = logging.getLogger("transitions")
    before = transitions.level
    configure("text", "INFO")
    try:
        assert transitions.level == logging.WARNING
    finally:
        transitions.setLevel(before)
