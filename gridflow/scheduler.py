"""The one scheduler: a periodic sweep followed by the delivery of due notifications (APScheduler 3,
one interval job), and a daily check that next year's working calendar is confirmed (from 1 December, a warning in the log each day until it is).

Run it as its own process (`gridflow scheduler`), never inside web workers.  Two guards keep it to
one however it is started: a file lock on this machine, and on PostgreSQL an advisory lock held for
each sweep, so schedulers on several machines never sweep at the same time (and even if they did, the
sweep itself is safe to run twice).
"""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text

from gridflow.calendar.reminders import calendar_warning
from gridflow.cases.policy import Policy
from gridflow.cases.sweep import sweep
from gridflow.clock import CST, utcnow
from gridflow.db import get_db
from gridflow.health import SWEEP, record_heartbeat
from gridflow.notifications.deliver import DeliveryReport, Outbox, deliver

log = logging.getLogger("gridflow.scheduler")
ADVISORY_KEY = 0x6772_6964  # "grid"
CALENDAR_CHECK_HOUR = 8  # China time


class AlreadyRunning(RuntimeError):
    pass


@contextmanager
def machine_lock(path: str):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another scheduler holds {path}") from None
        yield


def sweep_once(app: Flask):
    """One sweep, under the PostgreSQL advisory lock where there is one; its heartbeat is recorded
    (GET /healthz reads it).  None if another scheduler holds the lock (it records its own)."""
    db = get_db(app)
    policy = Policy.from_config(app.config)
    if not db.is_postgres:
        report = sweep(db, utcnow(), policy)
    else:
        with db.engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
                log.info("another scheduler is sweeping; skipped")
                return None
            try:
                report = sweep(db, utcnow(), policy)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
    record_heartbeat(db, SWEEP, utcnow(), report.line())
    return report


def deliver_once(app: Flask, now: datetime | None = None) -> DeliveryReport:
    """Deliver the notifications due (safe beside another scheduler: each message is claimed)."""
    report = deliver(get_db(app), Outbox.from_config(app.config), now or utcnow())
    if report.failed:
        log.warning(report.line())
    elif report.sent or report.retrying:
        log.info(report.line())
    return report


def calendar_check_once(app: Flask) -> str | None:
    """The calendar reminder as of now: logged as a warning (and returned) while it applies."""
    with get_db(app).lookup() as conn:
        warning = calendar_warning(conn, utcnow())
    if warning:
        log.warning(warning)
    return warning


def run(app: Flask) -> None:
    interval = app.config["SWEEP_INTERVAL_SECONDS"]
    with machine_lock(app.config["SCHEDULER_LOCK"]):
        scheduler = BlockingScheduler(timezone="UTC")
        log.info("scheduler started: a sweep every %g s", interval)

        def job():
            report = sweep_once(app)
            if report:
                log.warning(report.line()) if report.escalated or report.flagged else log.info(report.line())
            deliver_once(app)  # what this sweep (and every request since the last one) wrote

        # coalesce: after downtime, one sweep catches up on everything (it is idempotent).
        scheduler.add_job(
            job,
            "interval",
            seconds=interval,
            id="sweep",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=utcnow(),
        )
        # Once at start, then every morning (China time) before office hours.
        scheduler.add_job(
            calendar_check_once,
            "cron",
            args=[app],
            hour=CALENDAR_CHECK_HOUR,
            timezone=CST,
            id="calendar",
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=utcnow(),
        )
        scheduler.start()
