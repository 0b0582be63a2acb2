"""Warnings: the sweep tells whoever handles a case that it has used 80 % of its level's limit.

Once per stay at a level (the notice's key names the case, the level and when it got there); each
sweep looks at the cases whose warning time passed since the previous one (with an hour's overlap,
the key making a repeat a no-op), so the work stays proportional to what is new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from gridflow.cases.policy import Policy
from gridflow.db import Database
from gridflow.health import record_heartbeat
from gridflow.models import Case, Heartbeat
from gridflow.models.cases import ACTIVE_SQL
from gridflow.notifications.rules import WARNING, Outbox, notify, to_webhooks

JOB = "warnings"
FIRST_LOOK_BACK = timedelta(days=1)
OVERLAP = timedelta(hours=1)


def warning_key(case: Case) -> str:
    return f"warning:{case.id}:{case.level}:{case.level_entered_at:%Y%m%dT%H%M%S}"


def warn_due(db: Database, now: datetime, policy: Policy) -> int:
    """Write the warnings due by `now`; how many cases got one."""
    with db.lookup() as conn:
        last = conn.execute(select(Heartbeat.at).where(Heartbeat.job == JOB)).scalar()
    since = (last if last is not None and last <= now else now - FIRST_LOOK_BACK) - OVERLAP
    with db.session(write=True) as s:
        cases = list(
            s.scalars(
                select(Case)
                .where(ACTIVE_SQL, Case.warn_at > since, Case.warn_at <= now, Case.deadline > now)
                .order_by(Case.warn_at)
            )
        )
        for case in cases:
            key, out = warning_key(case), Outbox()
            notify(out, case, WARNING, key, None, now, policy.channels)
            to_webhooks(out, case, "case.warning", key, now)
            out.write(s.connection())
    record_heartbeat(db, JOB, now, f"{len(cases)} warned")
    return len(cases)
