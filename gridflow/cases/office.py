"""What the office keeps that an event's effects read, loaded by the use case that fires the events:
the working calendar as stored now, and the category versions the cases at hand were filed under."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridflow.calendar.store import current_calendar
from gridflow.cases.policy import Policy
from gridflow.categories import store as categories
from gridflow.db import Database
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import Category


@dataclass(frozen=True)
class Office:
    calendar: WorkCalendar
    categories: dict[categories.Key, Category]

    @classmethod
    def load(cls, s: Session, db: Database, policy: Policy, cases: Iterable[Any]) -> Office:
        """In the unit of work of the events: one read of the calendar's revision (the overrides only
        after a change), the cases' category versions from memory (read once per process)."""
        keys = {(c.category, c.category_version) for c in cases}
        return cls(current_calendar(s, db, policy.office_hours), categories.versions(s, db, keys))

    def category_of(self, case: Any) -> Category:
        """The version of its category the case was filed under."""
        return self.categories[(case.category, case.category_version)]
