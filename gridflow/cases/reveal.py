"""Revealing personal data: whoever may see a case but is not handling it (an administrator, a
supervisor, a mediator of another level) sees its parties masked, and may see them unmasked by giving
a reason.  Every reveal is in the audit log, in the same transaction as the reading."""

from __future__ import annotations

from gridflow.audit.log import Caller, record
from gridflow.cases.view import load_visible
from gridflow.db import Database
from gridflow.people.access import parties_as_seen
from gridflow.schemas.personal import RevealedParties


def reveal(db: Database, caller: Caller, case_id: int, reason: str) -> RevealedParties:
    """The parties of a case the caller may see, unmasked (404 outside his area)."""
    with db.session(write=True) as s:
        case = load_visible(s, caller.actor, case_id)
        parties = parties_as_seen(case, caller.actor, revealed=True)
        record(
            s,
            caller,
            "personal.reveal",
            f"case:{case.id}",
            {"number": case.number, "reason": reason, "parties": len(parties)},
        )
        return RevealedParties(case_id=case.id, number=case.number, parties=parties)
