"""Appending to the audit log.  Each entry joins the keyed hash chain (gridflow.hashchain, scope
"audit", the same keys as case timelines) and moves the sealed anchor (`audit_anchor`, one row) in the
same transaction as the change it records.  Appends are serialised: on PostgreSQL by locking the
anchor row, on SQLite by the write lock every write transaction takes at BEGIN."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridflow.clock import utcnow
from gridflow.errors import GridflowError
from gridflow.hashchain import GENESIS, Anchor, KeyRing, canonical_json
from gridflow.models import AuditAnchor, AuditEvent
from gridflow.workflow.rules import SYSTEM, Actor

SCOPE = "audit"
# What an entry's hash covers.
FIELDS = ("seq", "at", "actor_id", "actor_name", "kind", "client", "subject", "data")


class AuditLogBroken(GridflowError):
    status, code = 500, "audit_log_broken"


@dataclass(frozen=True)
class Caller:
    """Who calls a service (the actor), from which address (None from the command line), and the
    keys his audit entries are chained with."""

    actor: Actor
    keys: KeyRing
    client: str | None = None

    @property
    def name(self) -> str:
        """The actor as the log names him: his user name (display names are not unique)."""
        return self.actor.username or self.actor.name

    @classmethod
    def command_line(cls, keys: KeyRing) -> Caller:
        """An operator at the server's command line, named by his system account."""
        try:
            account = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a container)
            account = "?"
        return cls(Actor(None, f"cli:{account}", SYSTEM), keys)


def content(entry: Any) -> dict:
    """What an entry's hash covers (a stored AuditEvent or the values of a new one)."""
    out = {f: getattr(entry, f) for f in FIELDS}
    out["at"] = entry.at.isoformat(timespec="microseconds")
    return out


def record(
    session: Session,
    caller: Caller,
    kind: str,
    subject: str | None = None,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one entry (flushed with the caller's transaction, which must be a write one)."""
    anchor = _locked_anchor(session)
    entry = AuditEvent(
        seq=anchor.length + 1,
        at=now or utcnow(),
        actor_id=caller.actor.id,
        actor_name=caller.name[:100],
        kind=kind,
        client=caller.client[:64] if caller.client else None,
        subject=subject[:200] if subject else None,
        data=canonical_json(dict(data or {})),
    )
    link = caller.keys.link(Anchor(anchor.length, anchor.head), content(entry))
    entry.prev_hash, entry.hash, entry.key_id = link.prev_hash, link.hash, link.key_id
    sealed = caller.keys.anchor(SCOPE, link)
    anchor.length, anchor.head, anchor.seal = sealed.length, sealed.head, sealed.seal
    session.add(entry)
    session.flush()
    return entry


def record_setting_change(session: Session, caller: Caller, name: str, old: Any, new: Any) -> AuditEvent:
    """The hook for settings changed through GridFlow (none are yet: settings come from the
    environment at start).  A page or command that changes one calls this in its transaction."""
    return record(session, caller, "setting.change", f"setting:{name}", {"old": old, "new": new})


def _locked_anchor(session: Session) -> AuditAnchor:
    """The anchor row, locked until the transaction ends; made with the log's first entry."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = select(AuditAnchor).where(AuditAnchor.id == 1)
    if postgres:
        stmt = stmt.with_for_update()
    anchor = session.scalars(stmt).first()
    if anchor is not None:
        return anchor
    if session.scalar(select(func.count()).select_from(AuditEvent)):
        raise AuditLogBroken("the audit log has entries but no anchor: it was tampered with (gridflow audit --verify)")
    insert = postgresql.insert if postgres else sqlite.insert
    session.execute(
        insert(AuditAnchor)
        .values(id=1, length=0, head=GENESIS, seal=None)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return session.scalars(stmt).one()
