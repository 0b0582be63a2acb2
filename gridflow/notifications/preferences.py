"""A user's notification settings: channels, language, quiet hours (no row: the defaults)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from gridflow.db import Database
from gridflow.models import NotificationSettings
from gridflow.schemas.notifications import NotificationSettingsInput, NotificationSettingsView
from gridflow.workflow.rules import Actor

DEFAULTS = NotificationSettingsInput()
CHINA_OFFSET = timedelta(hours=8)


def get(db: Database, actor: Actor) -> NotificationSettingsView:
    with db.session() as s:
        row = s.get(NotificationSettings, actor.id)
        source = row if row is not None else DEFAULTS
        return NotificationSettingsView(
            email_on=source.email_on,
            sms_on=source.sms_on,
            sms_all=source.sms_all,
            language=source.language,  # type: ignore[arg-type]
            quiet_start=source.quiet_start,
            quiet_end=source.quiet_end,
        )


def put(db: Database, actor: Actor, inp: NotificationSettingsInput) -> NotificationSettingsView:
    if actor.id is None:
        raise ValueError("the system has no settings")
    with db.session(write=True) as s:
        row = s.scalars(select(NotificationSettings).where(NotificationSettings.user_id == actor.id)).first()
        if row is None:
            row = NotificationSettings(user_id=actor.id)
            s.add(row)
        for name, value in inp.model_dump().items():
            setattr(row, name, value)
    return get(db, actor)


def _hm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(start: str | None, end: str | None, now: datetime) -> datetime | None:
    """When the quiet hours around `now` (naive UTC) end, as naive UTC; None outside them."""
    if not start or not end or start == end:
        return None
    local = now + CHINA_OFFSET  # stored times are naive UTC; China keeps no summer time
    t, a, b = local.time(), _hm(start), _hm(end)
    inside = a <= t < b if a < b else (t >= a or t < b)
    if not inside:
        return None
    end_local = datetime.combine(local.date(), b)
    if end_local <= local:
        end_local += timedelta(days=1)
    return end_local - CHINA_OFFSET
