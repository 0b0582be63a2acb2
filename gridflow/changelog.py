"""Changes an office makes to what the workflow reads (categories, the working calendar): the one place
that records them beyond their own rows (which keep who and when: category versions, overrides,
confirmed years).

Today each change is a line on the `gridflow.audit` logger.  When the audit log lands (users and
audit, worked on beside this), its service is called from here, with the same session, so that a change
and its audit entry are committed together; every caller already passes what it needs.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from gridflow.workflow.rules import Actor

log = logging.getLogger("gridflow.audit")


def record_change(s: Session, actor: Actor, action: str, subject: str, **details) -> None:
    """`actor` did `action` (`category.add`, `calendar.confirm`, …) to `subject` (`G02 v3`, `2027`)."""
    log.info(
        "%s %s by %s (user %s): %s",
        action,
        subject,
        actor.name,
        actor.id if actor.id is not None else "-",
        json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    )
