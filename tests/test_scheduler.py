"""Exactly one scheduler: a machine-wide file lock, and on PostgreSQL an advisory lock per sweep."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gridflow import scheduler
from gridflow.db import get_db


def test_a_second_scheduler_on_the_same_machine_refuses_to_start(tmp_path):
    lock = str(tmp_path / "scheduler.lock")
    with scheduler.machine_lock(lock):
        with pytest.raises(scheduler.AlreadyRunning):
            with scheduler.machine_lock(lock):
                pass
    with scheduler.machine_lock(lock):  # released when the first one stops
        pass


def test_a_sweep_is_skipped_while_another_scheduler_holds_the_advisory_lock(app, backend):
    if backend != "postgis":
        assert scheduler.sweep_once(app) is not None  # SQLite: one machine, the file lock is enough
        return
    with get_db(app).engine.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": scheduler.ADVISORY_KEY}).scalar()
        assert scheduler.sweep_once(app) is None
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": scheduler.ADVISORY_KEY})
    assert scheduler.sweep_once(app) is not None
