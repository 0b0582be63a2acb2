"""Changes an office makes to what the workflow reads (categories, the working calendar): the one place
that records them beyond their own rows (which keep who and when: category versions, overrides,
confirmed years) — in the audit log, in the same transaction as the change, and as a log line."""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from gridflow.audit.log import Caller, record

log = logging.getLogger("gridflow.audit")


def record_change(s: Session, caller: Caller, action: str, subject: str, **details) -> None:
    """`caller` did `action` (`category.add`, `calendar.confirm`, …) to `subject` (`G02 v3`, `2027`)."""
    record(s, caller, action, subject, json.loads(json.dumps(details, ensure_ascii=False, default=str)))
    log.info(
        "%s %s by %s: %s",
        action,
        subject,
        caller.name,
        json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    )
