"""Delivering the outbox: claim a batch, send each message, record each result.

Never twice at once: a sender claims messages in a short write transaction (rows locked with
`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer on SQLite) by writing its id and a lease
on them; a second sender takes only unclaimed or expired ones.  Never lost: a sender that dies leaves
its claims to expire and the next one takes them again.  Only a death between sending one message and
recording it repeats that message, once, with the same id (`Message-ID`, `X-GridFlow-Delivery`) so the
receiver can drop it.  Failures wait (backoff doubling from NOTIFY_RETRY_SECONDS) and after
NOTIFY_MAX_ATTEMPTS are marked failed with their reason.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update

from gridflow.db import Database
from gridflow.models import Case, Delivery, NotificationSettings, User, Webhook
from gridflow.models.notifications import PENDING_SQL
from gridflow.notifications.preferences import quiet_until
from gridflow.notifications.senders import Mailer, SendError, post_json, send_sms
from gridflow.notifications.texts import case_link, notice_text
from gridflow.notifications.webhooks import signature
from gridflow.schemas.notifications import CaseNumberRef, FailedDelivery, FailedPage


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # quiet hours

    def line(self) -> str:
        return (
            f"notifications: {self.sent} sent, {self.retrying} to retry, {self.failed} failed, {self.deferred} deferred"
        )


@dataclass(frozen=True)
class Outbox:
    """What delivering needs from the settings."""

    public_url: str
    sms_url: str
    sms_token: str
    batch: int
    max_attempts: int
    retry_seconds: float
    timeout: float
    config: Any  # for the mailer

    @classmethod
    def from_config(cls, config) -> Outbox:
        return cls(
            config["PUBLIC_URL"],
            config["SMS_URL"],
            config["SMS_TOKEN"],
            config["NOTIFY_BATCH"],
            config["NOTIFY_MAX_ATTEMPTS"],
            config["NOTIFY_RETRY_SECONDS"],
            config["NOTIFY_TIMEOUT_SECONDS"],
            config,
        )

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: long enough for a whole batch timing out message by message."""
        return timedelta(seconds=self.timeout * (self.batch + 1))


def claim(db: Database, outbox: Outbox, now: datetime, sender: str) -> list[int]:
    """Take up to a batch of due messages for `sender`; their ids."""
    free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
    pick = select(Delivery.id).where(PENDING_SQL, Delivery.next_at <= now, free).order_by(Delivery.next_at)
    pick = pick.limit(outbox.batch)
    if db.is_postgres:
        pick = pick.with_for_update(skip_locked=True)
    with db.transaction(write=True) as conn:
        ids = list(conn.execute(pick).scalars())
        if ids:
            conn.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), PENDING_SQL, free)
                .values(claimed_by=sender, claimed_until=now + outbox.lease)
            )
        return list(conn.execute(select(Delivery.id).where(Delivery.claimed_by == sender, PENDING_SQL)).scalars())


def _load(db: Database, ids: list[int]) -> list[Any]:
    with db.lookup() as conn:
        return list(
            conn.execute(
                select(
                    Delivery,
                    Case.number,
                    User.email,
                    User.phone,
                    User.active,
                    NotificationSettings.language,
                    NotificationSettings.quiet_start,
                    NotificationSettings.quiet_end,
                    Webhook.url,
                    Webhook.secret,
                    Webhook.active.label("hook_active"),
                )
                .join(Case, Case.id == Delivery.case_id)
                .outerjoin(User, (User.id == Delivery.recipient_id) & (Delivery.channel != "webhook"))
                .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
                .outerjoin(Webhook, (Webhook.id == Delivery.recipient_id) & (Delivery.channel == "webhook"))
                .where(Delivery.id.in_(ids))
                .order_by(Delivery.id)
            ).all()
        )


def _finish(db: Database, sender: str, delivery_id: int, values: dict) -> None:
    """Record one result (its own short transaction: what was sent stays recorded whatever follows).
    PostgreSQL does not wait for the disk here: a crash may forget the last few results, which then
    go again (with their ids), as after a crash between sending and recording; nothing is lost."""
    with db.transaction(write=True) as conn:
        if db.is_postgres:
            conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
        conn.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.claimed_by == sender)
            .values(claimed_by=None, claimed_until=None, **values)
        )


def message_id(row: Any) -> str:
    """The stable id of one message, the same on every attempt."""
    return f"gf-{row.channel}-{row.id}"


def _send(row: Any, outbox: Outbox, mailer: Mailer) -> None:
    params = json.loads(row.params)
    if row.channel == "webhook":
        if not row.url or not row.hook_active:
            raise SendError("the webhook was removed")
        body = row.params.encode()
        headers = {
            "X-GridFlow-Delivery": message_id(row),
            "X-GridFlow-Event": row.kind,
            "X-GridFlow-Signature": signature(row.secret, body),
        }
        post_json(row.url, body, headers, outbox.timeout)
        return
    if not row.active:
        raise SendError("the user is disabled")
    link = case_link(outbox.public_url, row.case_id)
    if row.channel == "email":
        if not row.email:
            raise SendError("the user has no e-mail address")
        subject = "GridFlow: " + notice_text(row.kind, params, row.language)
        body = notice_text(row.kind, params, row.language, link) + "\n"
        mailer.send(row.email, subject, body, f"<{message_id(row)}@{mailer.domain()}>")
    elif row.channel == "sms":
        if not row.phone:
            raise SendError("the user has no phone number")
        text = notice_text(row.kind, params, row.language, link)
        send_sms(outbox.sms_url, outbox.sms_token, row.phone, text, message_id(row), outbox.timeout)
    else:
        raise SendError(f"unknown channel {row.channel}")


def deliver_batch(db: Database, outbox: Outbox, now: datetime, sender: str | None = None) -> DeliveryReport:
    """Claim one batch and deliver it."""
    sender = sender or str(uuid.uuid4())
    report = DeliveryReport()
    ids = claim(db, outbox, now, sender)
    if not ids:
        return report
    mailer = Mailer.from_config(outbox.config)
    try:
        for row in _load(db, ids):
            wait = None if row.urgent or row.channel == "webhook" else quiet_until(row.quiet_start, row.quiet_end, now)
            if wait is not None:
                _finish(db, sender, row.id, {"next_at": wait})
                report.deferred += 1
                continue
            try:
                _send(row, outbox, mailer)
            except SendError as exc:
                attempts = row.attempts + 1
                values: dict = {"attempts": attempts, "last_error": str(exc)[:1000]}
                if attempts >= outbox.max_attempts:
                    values["status"] = "failed"
                    report.failed += 1
                else:
                    values["next_at"] = now + timedelta(seconds=outbox.retry_seconds * 2 ** (attempts - 1))
                    report.retrying += 1
                _finish(db, sender, row.id, values)
            else:
                _finish(db, sender, row.id, {"status": "sent", "sent_at": now, "attempts": row.attempts + 1})
                report.sent += 1
    finally:
        mailer.close()
    return report


def deliver(db: Database, outbox: Outbox, now: datetime, max_batches: int = 1000) -> DeliveryReport:
    """Deliver what is due, batch after batch, until nothing due is left unclaimed."""
    total = DeliveryReport()
    for _ in range(max_batches):
        report = deliver_batch(db, outbox, now)
        for name in ("sent", "retrying", "failed", "deferred"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report == DeliveryReport():
            break
    return total


def failed(db: Database, page: int = 1, per_page: int = 50) -> FailedPage:
    """Messages given up on, newest first, with why."""
    where = Delivery.status == "failed"
    with db.lookup() as conn:
        total = conn.execute(select(func.count()).select_from(Delivery).where(where)).scalar_one()
        rows = conn.execute(
            select(Delivery, Case.number, User.username, Webhook.url)
            .join(Case, Case.id == Delivery.case_id)
            .outerjoin(User, (User.id == Delivery.recipient_id) & (Delivery.channel != "webhook"))
            .outerjoin(Webhook, (Webhook.id == Delivery.recipient_id) & (Delivery.channel == "webhook"))
            .where(where)
            .order_by(Delivery.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    items = [
        FailedDelivery(
            id=r.id,
            channel=r.channel,
            recipient=(r.url if r.channel == "webhook" else r.username) or f"#{r.recipient_id} (removed)",
            case=CaseNumberRef(id=r.case_id, number=r.number),
            kind=r.kind,
            attempts=r.attempts,
            last_error=r.last_error,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return FailedPage(items=items, page=page, per_page=per_page, total=total)
