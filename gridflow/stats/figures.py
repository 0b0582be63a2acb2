"""The figures' definitions (pure): each a count or a ratio of counts kept per group (`Counts`), one
sentence each in the README's "Figures" section.  Rates are between 0 and 1, None when their
denominator is 0."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from geo.levels import LEVELS_BOTTOM_UP

ESCALATING = LEVELS_BOTTOM_UP[:-1]  # the levels a case can be escalated from


@dataclass
class Counts:
    """What the query counts per group (the cohort: cases reported in the period, in the area)."""

    reported: int = 0  # cases reported
    filed: int = 0  # of them, filed (checked and opened for handling)
    closed: int = 0  # closed (verified on site)
    open_due: int = 0  # filed, neither closed nor finished otherwise, first deadline passed by the period's end
    on_time: int = 0  # closed and never overdue
    overdue_now: int = 0  # open or handling past the deadline now
    ever_overdue: int = 0  # overdue at some time (now included)
    reworked: int = 0  # closed after at least one rework
    extended: int = 0  # closed after at least one extension
    handled: dict[str, int] = field(default_factory=dict)  # filed cases that reached each level
    escalated: dict[str, int] = field(default_factory=dict)  # … escalated from it at least once
    disputes_closed: int = 0
    settled: dict[str, int] = field(default_factory=dict)  # disputes closed that never went above each level
    satisfied: int = 0  # cases whose last follow-up visit recorded satisfied parties
    satisfaction_told: int = 0  # cases with a follow-up visit that recorded satisfaction
    hours_n: int = 0  # closed cases with a handling time (office hours from filing to closing)
    hours_sum: float = 0.0
    days_sum: float = 0.0  # the same in working days
    hours_median: float | None = None  # over the closed cases (medians do not add up: asked separately)
    days_median: float | None = None


COUNT_NAMES = [f.name for f in fields(Counts)]


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def median_of(counts: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many} (the mean of the two middle ones when their
    number is even), None for none."""
    n = sum(counts.values())
    if not n:
        return None
    low_rank, high_rank = (n - 1) // 2, n // 2
    seen, low = 0, None
    for value, count in sorted(counts.items()):
        if low is None and seen + count > low_rank:
            low = value
        if seen + count > high_rank:
            assert low is not None
            return (low + value) / 2
        seen += count
    raise AssertionError("unreachable: the ranks are below n")


def mean(total: float, n: int) -> float | None:
    return total / n if n else None


def figures(c: Counts) -> dict[str, Any]:
    """The figures of one group (or the totals) from its counts."""
    due = c.closed + c.open_due
    return {
        "reported": c.reported,
        "filed": c.filed,
        "due": due,  # 应结案数
        "closed": c.closed,
        "closure_rate": rate(c.closed, due),  # 结案率
        "on_time_rate": rate(c.on_time, due),  # 按期结案率
        "overdue_now": c.overdue_now,
        "ever_overdue": c.ever_overdue,
        "rework_rate": rate(c.reworked, c.closed),  # 返工率
        "extension_rate": rate(c.extended, c.closed),  # 延期率
        "escalation_rate": {lvl: rate(c.escalated.get(lvl, 0), c.handled.get(lvl, 0)) for lvl in ESCALATING},  # 上交率
        "settled_locally_rate": rate(c.settled.get(LEVELS_BOTTOM_UP[0], 0), c.disputes_closed),  # 就地化解率
        "settled_at_or_below": {lvl: rate(c.settled.get(lvl, 0), c.disputes_closed) for lvl in LEVELS_BOTTOM_UP},
        "handling_working_days": {"median": c.days_median, "mean": mean(c.days_sum, c.hours_n)},
        "handling_hours": {"median": c.hours_median, "mean": mean(c.hours_sum, c.hours_n)},
        "satisfaction": rate(c.satisfied, c.satisfaction_told),
    }


SUMMED = [n for n in COUNT_NAMES if not n.endswith("_median")]


def add(total: Counts, part: Counts) -> None:
    """Add a group's counts into `total` (counts and sums add up; medians do not, and stay as they are)."""
    for name in SUMMED:
        value = getattr(part, name)
        if isinstance(value, dict):
            kept = getattr(total, name)
            for k, v in value.items():
                kept[k] = kept.get(k, 0) + v
        else:
            setattr(total, name, getattr(total, name) + value)
