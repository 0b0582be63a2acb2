"""Case categories as the workflow reads them: kind, duty of the five-in-one worker, time limit per
level, and the per-category settings of the steps around them.

The categories themselves are kept by the office in the database, versioned (`gridflow.categories`):
a case keeps the version it was filed under, and the services hand that version to the workflow's
effects in the event data.  Nothing here holds a category list: a fresh database gets today's 30 from
its migration (0009_categories_calendar).

Limits are (amount, unit) with unit one of EMERGENCY_HOURS (natural time, day and night),
WORKING_HOURS (office hours on working days) or WORKING_DAYS (close of office on the n-th working
day after the day the clock started).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo.levels import LEVELS_BOTTOM_UP

EMERGENCY_HOURS, WORKING_HOURS, WORKING_DAYS = "emergency_hours", "working_hours", "working_days"
UNITS = (EMERGENCY_HOURS, WORKING_HOURS, WORKING_DAYS)
# The longest limit of each unit: about a year (a limit beyond it is a typing error, and the calendar
# counts working days one by one).
MAX_AMOUNT = {EMERGENCY_HOURS: 24 * 366.0, WORKING_HOURS: 2000.0, WORKING_DAYS: 250.0}
KINDS = ("incident", "dispute")
DUTIES = {
    "general": "专职网格员",
    "stability": "维稳信息员",
    "mediation": "矛盾调解员",
    "safety": "安全生产员",
    "order": "治安管理员",
}


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}


# How long a `reported` case may wait for its grid worker to file it, and a `resolved` one for his
# verification on site (issue 10 reads them; an office changes them per category).
DEFAULT_FILING_LIMIT = Limit(4, WORKING_HOURS)
DEFAULT_VERIFICATION_LIMIT = Limit(3, WORKING_DAYS)


@dataclass(frozen=True)
class Category:
    """One version of a category: immutable once stored (an edit makes the next version)."""

    code: str
    name: str
    name_en: str
    kind: str
    duty: str
    limits: dict[str, Limit]  # level -> limit
    version: int = 1
    filing_limit: Limit = DEFAULT_FILING_LIMIT
    verification_limit: Limit = DEFAULT_VERIFICATION_LIMIT
    photo_required_on_verification: bool = False
    active: bool = True

    def limit(self, level: str) -> Limit:
        return self.limits[level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "duty": self.duty,
            "duty_name": DUTIES[self.duty],
            "limits": {lvl: self.limits[lvl].to_dict() for lvl in LEVELS_BOTTOM_UP},
            "filing_limit": self.filing_limit.to_dict(),
            "verification_limit": self.verification_limit.to_dict(),
            "photo_required_on_verification": self.photo_required_on_verification,
            "active": self.active,
        }


def same_limits(unit: str, *amounts: float) -> dict[str, Limit]:
    """Limits per level, bottom up, all in one unit."""
    if len(amounts) != len(LEVELS_BOTTOM_UP):
        raise ValueError(f"one amount per level ({', '.join(LEVELS_BOTTOM_UP)})")
    return {level: Limit(a, unit) for level, a in zip(LEVELS_BOTTOM_UP, amounts)}
