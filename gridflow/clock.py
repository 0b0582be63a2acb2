"""The one source of "now" (naive UTC, as stored); tests move it with time-machine."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_iso(value: str) -> datetime:
    """ISO 8601 to naive UTC; a time without offset is taken as China Standard Time."""
    from gridflow.workflow.calendar import CST

    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def iso_local(value: datetime | None) -> str | None:
    """Naive UTC to ISO 8601 in China Standard Time (what users read)."""
    from gridflow.workflow.calendar import CST

    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(CST).isoformat(timespec="seconds")
