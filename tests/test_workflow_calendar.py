"""Working time: weekends, public holidays and 调休 working days (pure)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from gridflow.workflow.calendar import CST, HOLIDAY, WORKDAY, WorkCalendar
from gridflow.workflow.categories import EMERGENCY_HOURS, WORKING_DAYS, WORKING_HOURS, Limit

CAL = WorkCalendar()


def utc(local: str) -> datetime:
    """'2026-10-09 10:00' China time → naive UTC."""
    return CAL.to_utc(datetime.fromisoformat(local).replace(tzinfo=CST))


def local(utc_naive: datetime) -> str:
    return CAL.to_local(utc_naive).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    "start,limit,deadline",
    [
        # A Friday report with one working day runs over the weekend to Monday's close of office.
        ("2026-11-20 16:00", Limit(1, WORKING_DAYS), "2026-11-23 17:30"),
        # National Day: 1–7 October 2026 off, so one working day from 30 September ends on 8 October.
        ("2026-09-30 10:00", Limit(1, WORKING_DAYS), "2026-10-08 17:30"),
        # 调休: Saturday 10 October 2026 is a working day.
        ("2026-10-09 10:00", Limit(1, WORKING_DAYS), "2026-10-10 17:30"),
        # Sunday 20 September 2026 too (moved for the National Day break).
        ("2026-09-19 10:00", Limit(1, WORKING_DAYS), "2026-09-20 17:30"),
        # Emergency hours run day and night, holidays included.
        ("2026-10-01 23:00", Limit(2, EMERGENCY_HOURS), "2026-10-02 01:00"),
        # Working hours: 9:00–12:00 and 13:30–17:30; 4 hours from Friday 16:00 = 1.5 h Friday, 2.5 h Monday.
        ("2026-11-20 16:00", Limit(4, WORKING_HOURS), "2026-11-23 11:30"),
        # Reported at night: working hours start counting at the next opening.
        ("2026-11-23 22:00", Limit(1, WORKING_HOURS), "2026-11-24 10:00"),
        # 15 working days over the Spring Festival 2026 (16–23 February off, 14 and 28 February worked).
        # (14 Feb = 1, 24–27 Feb = 2–5, 28 Feb = 6, 2–6 Mar = 7–11, 9–12 Mar = 12–15)
        ("2026-02-13 10:00", Limit(15, WORKING_DAYS), "2026-03-12 17:30"),
    ],
)
def test_deadlines(start, limit, deadline):
    assert local(CAL.deadline(utc(start), limit)) == deadline


def test_working_days_match_the_holidays_package():
    assert not CAL.is_working_day(datetime(2026, 10, 1).date())
    assert CAL.is_working_day(datetime(2026, 10, 10).date())  # Saturday, 调休
    assert not CAL.is_working_day(datetime(2026, 10, 11).date())  # Sunday


def test_warning_comes_at_the_share_of_the_limit_in_its_own_kind_of_time():
    start = utc("2026-11-23 09:00")  # Monday
    deadline = CAL.deadline(start, Limit(5, WORKING_DAYS))  # Monday 30 Nov 17:30
    assert local(deadline) == "2026-11-30 17:30"
    warn = CAL.warn_at(start, deadline, WORKING_DAYS, 0.8)
    # Mon 9:00 to next Mon 17:30 = 6 working days of 7 office hours = 42 h; 80 % = 33.6 h:
    # 4 full days (28 h) to Thursday close, then 5.6 h into Friday: 9:00 + 3 h + 2.6 h from 13:30 = 16:06
    assert local(warn) == "2026-11-27 16:06"
    assert CAL.warn_at(start, start.replace(hour=start.hour + 10), EMERGENCY_HOURS, 0.8) == start.replace(
        hour=start.hour + 8
    )


def test_office_hours_are_configurable():
    cal = WorkCalendar(((8, 0), (18, 0)))
    assert local(cal.deadline(utc("2026-11-23 17:00"), Limit(2, WORKING_HOURS))) == "2026-11-24 09:00"


def test_the_offices_overrides_come_before_the_package():
    national_day, saturday, monday = date(2026, 10, 1), date(2026, 11, 21), date(2026, 11, 23)
    cal = WorkCalendar(overrides={national_day: WORKDAY, saturday: WORKDAY, monday: HOLIDAY})
    assert cal.is_working_day(national_day) and cal.is_working_day(saturday) and not cal.is_working_day(monday)
    assert not CAL.is_working_day(national_day) and not CAL.is_working_day(saturday) and CAL.is_working_day(monday)
    # Friday 16:00 + 1 working day: the Saturday worked
    assert local(cal.deadline(utc("2026-11-20 16:00"), Limit(1, WORKING_DAYS))) == "2026-11-21 17:30"
    # 4 working hours from Friday 16:00: 1.5 h Friday, 2.5 h Saturday
    assert local(cal.deadline(utc("2026-11-20 16:00"), Limit(4, WORKING_HOURS))) == "2026-11-21 11:30"
    with pytest.raises(ValueError, match="unknown kind of override: vacation"):
        WorkCalendar(overrides={monday: "vacation"})


def test_office_time_between_two_moments_is_the_office_hours_of_every_day_between():
    """Checked against walking every day's office spans, over random moments across holidays."""
    import random

    rng = random.Random(12)

    def walked(start: datetime, end: datetime) -> float:
        a_local, b_local, total = CAL.to_local(start), CAL.to_local(end), 0.0
        day = a_local.date()
        while day <= b_local.date():
            for a, b in CAL._office(day):
                lo, hi = max(a, a_local), min(b, b_local)
                total += max(0.0, (hi - lo).total_seconds())
            day = day.fromordinal(day.toordinal() + 1)
        return total

    base = utc("2026-09-15 00:00")
    for _ in range(300):
        start = base + rng.random() * (utc("2026-11-30 00:00") - base)
        end = start + rng.choice([0.01, 0.3, 2, 9, 40]) * rng.random() * (utc("2026-09-16 00:00") - base)
        assert CAL.office_seconds_between(start, end) == pytest.approx(walked(start, end)), (start, end)
    assert CAL.office_seconds_between(utc("2026-11-23 10:00"), utc("2026-11-23 09:00")) == 0
