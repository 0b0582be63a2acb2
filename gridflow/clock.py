"""The one source of "now" (naive UTC, as stored); tests move it with time-machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# China Standard Time: UTC+8 all year (no daylight saving since 1991), so a fixed offset is exact for
# every date a case can carry, and converting with it is several times cheaper than a zone database.
CST = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_iso(value: str) -> datetime:
    """ISO 8601 to naive UTC; a time without offset is taken as China Standard Time."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def iso_local(value: datetime | None) -> str | None:
    """Naive UTC (as stored), or an aware time (as read models carry it), to ISO 8601 in China
    Standard Time (what users read)."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CST).isoformat(timespec="seconds")


def local_date(value: datetime) -> date:
    """The day in China of a naive UTC time."""
    return value.replace(tzinfo=UTC).astimezone(CST).date()
