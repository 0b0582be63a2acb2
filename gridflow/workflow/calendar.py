"""Working time for deadlines: office hours on working days, China Standard Time.

Working days are Monday–Friday, less the public holidays, plus the weekend days moved to working days
(调休).  The office's overrides come first (the State Council announces each year's holidays in
November, before any release of the `holidays` package knows them; the services read them from the
database and hand them in), then the maintained `holidays` package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from gridflow.clock import CST
from gridflow.workflow.categories import EMERGENCY_HOURS, WORKING_DAYS, WORKING_HOURS, Limit

UTC = UTC
DEFAULT_OFFICE_HOURS = ((9, 0), (12, 0), (13, 30), (17, 30))
HOLIDAY, WORKDAY = "holiday", "workday"  # the kinds of override: a day off, a (调休) working day
OVERRIDE_KINDS = (HOLIDAY, WORKDAY)


@lru_cache(maxsize=8)
def _china(years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=years)


@lru_cache(maxsize=8192)  # a pure function of the date: every deadline asks about the same few weeks
def _working_day(day: date) -> bool:
    return bool(_china(tuple(range(day.year - 1, day.year + 2))).is_working_day(day))


class WorkCalendar:
    """All times in and out are naive UTC datetimes (as stored); the calendar works in CST.
    `overrides`: {day: kind} (HOLIDAY or WORKDAY), which win over the package."""

    def __init__(
        self,
        office_hours: Sequence[tuple[int, int]] = DEFAULT_OFFICE_HOURS,
        overrides: Mapping[date, str] | None = None,
    ) -> None:
        spans = [time(h, m) for h, m in office_hours]
        self.spans = list(zip(spans[0::2], spans[1::2]))  # [(start, end), …] within a working day
        overrides = overrides or {}
        unknown = set(overrides.values()) - set(OVERRIDE_KINDS)
        if unknown:
            raise ValueError(f"unknown kind of override: {', '.join(sorted(unknown))}")
        self.overrides = {day: kind == WORKDAY for day, kind in overrides.items()}

    # -- days ---------------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        told = self.overrides.get(day)
        return _working_day(day) if told is None else told

    def _office(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(datetime.combine(day, a, CST), datetime.combine(day, b, CST)) for a, b in self.spans]

    # -- conversions -----------------------------------------------------------------------------
    @staticmethod
    def to_local(utc_naive: datetime) -> datetime:
        return utc_naive.replace(tzinfo=UTC).astimezone(CST)

    @staticmethod
    def to_utc(local: datetime) -> datetime:
        return local.astimezone(UTC).replace(tzinfo=None)

    # -- working time ----------------------------------------------------------------------------
    def add_office_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when `seconds` of office time have passed after `start`."""
        t = self.to_local(start)
        remaining = seconds
        day = t.date()
        for _ in range(3660):  # ten years of days: a limit can never be longer
            for a, b in self._office(day):
                if b <= t:
                    continue
                begin = max(a, t)
                available = (b - begin).total_seconds()
                if remaining <= available:
                    return self.to_utc(begin + timedelta(seconds=remaining))
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("time limit too long")

    def office_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time between two moments: the parts of the first and last day that fall in office
        hours, and a whole office day for each working day between (pages ask this of every row they
        show, so the days between are only counted, not walked hour by hour)."""
        a_local, b_local = self.to_local(start), self.to_local(end)
        if b_local <= a_local:
            return 0.0
        first, last = a_local.date(), b_local.date()
        if first == last:
            return self._office_overlap(first, a_local, b_local)
        between = sum(self.is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days))
        return (
            self._office_overlap(first, a_local, b_local)
            + between * self.office_seconds_per_day()
            + self._office_overlap(last, a_local, b_local)
        )

    def _office_overlap(self, day: date, a_local: datetime, b_local: datetime) -> float:
        total = 0.0
        for a, b in self._office(day):
            lo, hi = max(a, a_local), min(b, b_local)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total

    def close_of_nth_working_day(self, start: datetime, n: int) -> datetime:
        """Close of office on the n-th working day after the day of `start` (CST)."""
        day, found = self.to_local(start).date(), 0
        while found < n:
            day += timedelta(days=1)
            found += self.is_working_day(day)
        return self.to_utc(datetime.combine(day, self.spans[-1][1], CST))

    # -- deadlines ---------------------------------------------------------------------------------
    def deadline(self, start: datetime, limit: Limit) -> datetime:
        if limit.unit == EMERGENCY_HOURS:
            return start + timedelta(hours=limit.amount)
        if limit.unit == WORKING_HOURS:
            return self.add_office_seconds(start, limit.amount * 3600)
        if limit.unit == WORKING_DAYS:
            whole = int(limit.amount)
            end = self.close_of_nth_working_day(start, whole) if whole else start
            part = limit.amount - whole  # a fraction of a day: that share of one day's office hours
            return self.add_office_seconds(end, part * self.office_seconds_per_day()) if part else end
        raise ValueError(f"unknown unit {limit.unit!r}")

    def office_seconds_per_day(self) -> float:
        return sum(
            (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds() for a, b in self.spans
        )

    def warn_at(self, start: datetime, deadline: datetime, unit: str, share: float) -> datetime:
        """When `share` of the time to the deadline has passed, counted in the limit's own kind of time."""
        if unit == EMERGENCY_HOURS:
            return start + (deadline - start) * share
        return self.add_office_seconds(start, self.office_seconds_between(start, deadline) * share)

    def extend(self, deadline: datetime, amount: float, unit: str) -> datetime:
        return self.deadline(deadline, Limit(amount, unit))
