"""Reading the audit log: searching it (admins), and verifying its chain and anchor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from gridflow.audit.log import SCOPE, content
from gridflow.db import Database
from gridflow.errors import Forbidden
from gridflow.hashchain import Anchor, ChainCheck, KeyRing
from gridflow.models import AuditAnchor, AuditEvent
from gridflow.schemas.audit import AuditEntry, AuditPage, AuditSearch
from gridflow.workflow.rules import ADMIN, Actor

VERIFY_BATCH = 2000


def entry_view(e: AuditEvent) -> AuditEntry:
    return AuditEntry(
        seq=e.seq,
        at=e.at,
        actor=e.actor_name,
        actor_id=e.actor_id,
        kind=e.kind,
        client=e.client,
        subject=e.subject,
        data=json.loads(e.data),
    )


def filtered(
    actor: str | None = None,
    kind: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Entries matching every filter given, newest first (`kind`: one kind, or a family: "login")."""
    stmt = select(AuditEvent)
    if actor:
        stmt = stmt.where(AuditEvent.actor_name == actor)
    if kind:
        stmt = stmt.where(
            AuditEvent.kind == kind
            if "." in kind
            else or_(AuditEvent.kind == kind, AuditEvent.kind.startswith(kind + "."))
        )
    if subject:
        stmt = stmt.where(AuditEvent.subject == subject)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt.order_by(AuditEvent.seq.desc())


def search(db: Database, actor: Actor, q: AuditSearch) -> AuditPage:
    """A page of the log for an administrator."""
    if actor.role != ADMIN:
        raise Forbidden("only administrators read the audit log")
    with db.session() as s:
        stmt = filtered(q.actor, q.kind, q.subject, q.from_, q.to)
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = s.scalars(stmt.limit(q.per_page).offset((q.page - 1) * q.per_page))
        return AuditPage(items=[entry_view(e) for e in rows], page=q.page, per_page=q.per_page, total=total)


def entries(db: Database, stmt: Select) -> Iterator[AuditEntry]:
    """Every entry `stmt` selects (for the command line)."""
    with db.session() as s:
        for e in s.scalars(stmt):
            yield entry_view(e)


def _in_order(s: Session) -> Iterator[AuditEvent]:
    after = 0
    while True:
        batch = list(
            s.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(VERIFY_BATCH))
        )
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].seq


def verify(db: Database, keys: KeyRing) -> tuple[ChainCheck, int]:
    """Check every entry's keyed hash in order, and the anchor: (the check, entries read).  A removed,
    altered or reordered entry, or entries removed from the end, name the first bad one."""
    with db.session() as s:
        stored = s.get(AuditAnchor, 1)
        read = 0

        def counted() -> Iterator[AuditEvent]:
            nonlocal read
            for e in _in_order(s):
                read += 1
                yield e

        if stored is None:  # never written: valid only while the log is empty
            anchor: Anchor | None = None
            first = s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq).limit(1)).first()
            if first is None:
                return ChainCheck(True), 0
        else:
            anchor = Anchor(stored.length, stored.head, stored.seal)
        return keys.verify(SCOPE, counted(), content, anchor), read
