"""Merging a duplicate into the older case it repeats: its parties and attachments carry over, and
both timelines record it (the duplicate's `merge`, the older case's `merge_in`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridflow.cases.chain import append_side_event
from gridflow.cases.view import distance_m
from gridflow.errors import Invalid
from gridflow.hashchain import KeyRing
from gridflow.models import Attachment, Case, CaseParty
from gridflow.workflow import table
from gridflow.workflow.rules import Actor

_PARTY = ("name", "role", "phone", "id_number")
_COPIED = ("stage", "content_type", "size", "sha256", "filename", "taken_at", "lon", "lat")


def carry_over(s: Session, duplicate: Case, target_id: int, actor: Actor, now: datetime, keys: KeyRing) -> dict:
    """Copy the duplicate's parties (those the target lacks) and attachments (linked to their
    originals) to the target, which records them in a `merge_in` event; returns what was carried,
    for the duplicate's own `merge` event.  Same transaction as the merge."""
    stmt = select(Case).where(Case.id == target_id).execution_options(populate_existing=True)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # events on the older case wait (merges go young to old: no cycles)
    target = s.scalars(stmt).one()
    if table.row_taken(target, "merge_in", actor) is None:
        raise Invalid(f"into is {target.state}: it takes no duplicates now", field="into")
    known = {tuple(getattr(p, f) for f in _PARTY) for p in target.parties}
    parties = [p for p in duplicate.parties if tuple(getattr(p, f) for f in _PARTY) not in known]
    files = list(s.scalars(select(Attachment).where(Attachment.case_id == duplicate.id).order_by(Attachment.id)))
    carried = {"parties": len(parties), "files": [a.sha256 for a in files]}
    event = append_side_event(
        s, target, actor, "merge_in", {"from": duplicate.id, "number": duplicate.number, **carried}, now, keys
    )
    # Rows of their own (not through target.parties): the older case's version stays as it is.
    s.add_all(CaseParty(case_id=target.id, **{f: getattr(p, f) for f in _PARTY}) for p in parties)
    s.add_all(
        Attachment(
            case_id=target.id,
            event_id=event.id,
            origin_id=a.id,
            created_at=now,
            created_by_id=actor.id,
            created_by_name=actor.name,
            distance_m=None if a.lon is None or a.lat is None else distance_m(target, a.lon, a.lat),
            **{f: getattr(a, f) for f in _COPIED},
        )
        for a in files
    )
    return carried
