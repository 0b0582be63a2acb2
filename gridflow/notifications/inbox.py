"""The caller's own notifications: the list (newest first), marking them read."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select, update

from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, Notification, NotificationSettings
from gridflow.notifications.texts import notice_text
from gridflow.schemas.notifications import CaseNumberRef, NotificationItem, NotificationList, ReadInput
from gridflow.workflow.rules import Actor


def language(conn, user_id: int | None) -> str:
    """The language the user reads his notifications in (Chinese unless he chose English)."""
    chosen = conn.execute(select(NotificationSettings.language).where(NotificationSettings.user_id == user_id)).scalar()
    return chosen or "zh"


def unread_count(db: Database, actor: Actor) -> int:
    with db.lookup() as conn:
        return _unread(conn, actor)


def _unread(conn, actor: Actor) -> int:
    mine = select(func.count()).select_from(Notification).where(Notification.user_id == actor.id)
    return conn.execute(mine.where(Notification.read_at.is_(None))).scalar_one()


def list_for(
    db: Database, actor: Actor, unread_only: bool, page: int = 1, per_page: int = 20, lang: str | None = None
) -> NotificationList:
    """The caller's notifications, newest first, in `lang` (default: the language he chose)."""
    mine = Notification.user_id == actor.id
    cond = [mine, Notification.read_at.is_(None)] if unread_only else [mine]
    with db.lookup() as conn:
        lang = lang or language(conn, actor.id)
        total = conn.execute(select(func.count()).select_from(Notification).where(*cond)).scalar_one()
        rows = conn.execute(
            select(Notification, Case.number)
            .join(Case, Case.id == Notification.case_id)
            .where(*cond)
            .order_by(Notification.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        unread = total if unread_only else _unread(conn, actor)
    items = [
        NotificationItem(
            id=r.id,
            kind=r.kind,
            case=CaseNumberRef(id=r.case_id, number=r.number),
            text=notice_text(r.kind, json.loads(r.params), lang),
            created_at=r.created_at,
            read=r.read_at is not None,
        )
        for r in rows
    ]
    return NotificationList(items=items, page=page, per_page=per_page, total=total, unread=unread)


def mark_read(db: Database, actor: Actor, inp: ReadInput, now: datetime) -> tuple[int, int]:
    """(how many were marked now, how many stay unread).  Ids of others' notifications are ignored."""
    cond = [Notification.user_id == actor.id, Notification.read_at.is_(None)]
    if not inp.all:
        cond.append(Notification.id.in_(inp.ids or []))
    with db.transaction(write=True) as conn:
        marked = conn.execute(update(Notification).where(*cond).values(read_at=now)).rowcount
        return marked, _unread(conn, actor)


def open_one(db: Database, actor: Actor, notification_id: int, now: datetime) -> int:
    """Mark one of the caller's notifications read; its case's id (404 for anyone else's)."""
    with db.transaction(write=True) as conn:
        case_id = conn.execute(
            select(Notification.case_id).where(Notification.id == notification_id, Notification.user_id == actor.id)
        ).scalar()
        if case_id is None:
            raise NotFound(f"no notification {notification_id}", field="id")
        conn.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.read_at.is_(None))
            .values(read_at=now)
        )
        return case_id
