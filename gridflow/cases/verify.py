"""Verifying stored timelines: each case's keyed hash chain against its anchor, and its mediation
record (sessions, visits, agreement) against what the chain recorded.  Read-only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.hashchain import Anchor, ChainCheck, KeyRing
from gridflow.models import Agreement, Attachment, Case, CaseEvent, FollowUp, MediationSession
from gridflow.workflow.timeline import attachments_check, content, records_check, scope

BATCH = 500


def _by_case(rows, key: str = "case_id") -> dict[int, list]:
    out: dict[int, list] = {}
    for r in rows:
        out.setdefault(getattr(r, key), []).append(r)
    return out


def check_cases(s: Session, keys: KeyRing, case_ids: list[int]) -> list[tuple[int, ChainCheck]]:
    """(case id, check) for each stored case of `case_ids`, in id order: a handful of queries for all."""
    cases = s.execute(
        select(Case.id, Case.chain_length, Case.chain_head, Case.chain_seal)
        .where(Case.id.in_(case_ids))
        .order_by(Case.id)
    ).all()
    events = _by_case(
        s.execute(
            select(CaseEvent.__table__)
            .where(CaseEvent.case_id.in_(case_ids))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        )
    )
    sessions = _by_case(
        s.execute(
            select(MediationSession.__table__)
            .where(MediationSession.case_id.in_(case_ids))
            .order_by(MediationSession.held_at, MediationSession.id)
        )
    )
    visits = _by_case(s.execute(select(FollowUp.__table__).where(FollowUp.case_id.in_(case_ids)).order_by(FollowUp.id)))
    agreements = {a.case_id: a for a in s.execute(select(Agreement.__table__).where(Agreement.case_id.in_(case_ids)))}
    files = _by_case(s.execute(select(*_FILE_COLUMNS).where(Attachment.case_id.in_(case_ids)).order_by(Attachment.id)))
    return [
        (
            c.id,
            check_case(
                keys,
                c,
                events.get(c.id, []),
                sessions.get(c.id, []),
                visits.get(c.id, []),
                agreements.get(c.id),
                files.get(c.id, []),
            ),
        )
        for c in cases
    ]


_FILE_COLUMNS = (Attachment.id, Attachment.case_id, Attachment.event_id, Attachment.stage, Attachment.sha256)


def check_case(
    keys: KeyRing, case, events: list, sessions: list, visits: list, agreement, attachments: Sequence = ()
) -> ChainCheck:
    """A case's chain against its anchor, then its mediation record and its attachments against what
    the chain recorded."""
    check = keys.verify(scope(case.id), events, content, Anchor(case.chain_length, case.chain_head, case.chain_seal))
    if check.valid:
        check = records_check(events, sessions, visits, agreement)
    return attachments_check(events, attachments) if check.valid else check


def load_record(s: Session, case_id: int) -> tuple[list, list, object, list]:
    """A case's mediation sessions, follow-up visits, agreement and attachments, in the order
    `check_case` pairs them."""
    sessions = s.scalars(
        select(MediationSession)
        .where(MediationSession.case_id == case_id)
        .order_by(MediationSession.held_at, MediationSession.id)
    ).all()
    visits = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.id)).all()
    agreement = s.scalars(select(Agreement).where(Agreement.case_id == case_id)).first()
    files = s.execute(select(*_FILE_COLUMNS).where(Attachment.case_id == case_id).order_by(Attachment.id)).all()
    return list(sessions), list(visits), agreement, list(files)


def verify(db: Database, keys: KeyRing, case_id: int) -> ChainCheck:
    """One case's timeline: its chain, its anchor, its mediation record."""
    with db.session() as s:
        found = check_cases(s, keys, [case_id])
    if not found:
        raise NotFound(f"no case {case_id}", field="case_id")
    return found[0][1]


def verify_all(db: Database, keys: KeyRing, batch: int = BATCH) -> Iterator[tuple[int, ChainCheck]]:
    """Every case's timeline, a batch of cases at a time (each batch in a read transaction of its own)."""
    after = 0
    while True:
        with db.session() as s:
            ids = list(s.scalars(select(Case.id).where(Case.id > after).order_by(Case.id).limit(batch)))
            if not ids:
                return
            checks = check_cases(s, keys, ids)
        yield from checks
        after = ids[-1]
