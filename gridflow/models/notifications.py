"""Notifications: the in-app list (one row per recipient), the outbox of deliveries by e-mail, SMS and
webhook (one row per channel and recipient), the webhooks, and each user's notification settings.

Both kinds of row are written in the same transaction as the case event that causes them
(gridflow.notifications.rules), each with a key that makes a second write of the same notice a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base

UNREAD_SQL = text("read_at IS NULL")
PENDING_SQL = text("status = 'pending'")


class Notification(Base):
    """One notice to one user about one case (the bell's list)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # What makes it this notice: "<case>:<event seq>:<kind>", or "warning:<case>:<level>:<entered>".
    key: Mapped[str] = mapped_column(String(120))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[str] = mapped_column(Text)  # JSON: number, level, reason (the text is made when read)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("key", "user_id", name="uq_notification_key_user"),
        Index("ix_notification_user", "user_id", "id"),
        Index("ix_notification_unread", "user_id", postgresql_where=UNREAD_SQL, sqlite_where=UNREAD_SQL),
    )


class Delivery(Base):
    """One message to send: a notice by e-mail or SMS to a user, or a case event to a webhook."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # email|sms|webhook
    recipient_id: Mapped[int] = mapped_column(Integer)  # a user's id (email, sms) or a webhook's
    key: Mapped[str] = mapped_column(String(120))  # the notice's key, or "<case>:<seq>" for a webhook
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # the notice's kind, or the webhook event (case.escalate)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[str] = mapped_column(Text)  # JSON: the notice's params, or the webhook's body
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(DateTime)  # not before (retry backoff, quiet hours)
    # A sender's claim: who took it and until when (an expired claim, a sender that died, is taken again).
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("key", "channel", "recipient_id", name="uq_delivery_key"),
        Index("ix_delivery_pending", "next_at", postgresql_where=PENDING_SQL, sqlite_where=PENDING_SQL),
        Index("ix_delivery_status", "status", "id"),
    )


class Webhook(Base):
    """Another system told of case events: a JSON POST signed with its own secret."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(500))  # ",case.created,case.escalated," (commas around each)
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class NotificationSettings(Base):
    """A user's choices (no row: the defaults)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    email_on: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_on: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_all: Mapped[bool] = mapped_column(Boolean, default=False)  # SMS for every kind, not only urgent ones
    language: Mapped[str] = mapped_column(String(5), default="zh")  # zh|en
    # Quiet hours, China time "HH:MM" (start after end: over midnight); non-urgent messages wait.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
