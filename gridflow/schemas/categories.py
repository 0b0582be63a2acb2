"""Categories: what the office sends to add one or make its next version, and what comes back."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.errors import N_
from gridflow.schemas.common import Id, Input, LocalTime, Name, Output, Query, Text, optional, text
from gridflow.schemas.errors import FieldError
from gridflow.workflow.categories import (
    DEFAULT_FILING_LIMIT,
    DEFAULT_VERIFICATION_LIMIT,
    DUTIES,
    KINDS,
    MAX_AMOUNT,
    UNITS,
    Limit,
)

CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,7}$"
CategoryCode = text(
    8, CODE_PATTERN, N_("must be a category code: 2 to 8 capital letters and digits, starting with a letter")
)
Kind = Literal[KINDS]
Duty = Literal[tuple(DUTIES)]
Unit = Literal[UNITS]


# -- inputs -----------------------------------------------------------------------------------------
class LimitInput(Input):
    """A time limit: an amount of emergency hours (day and night), working hours or working days."""

    amount: Annotated[float, Field(gt=0)]
    unit: Unit

    @model_validator(mode="after")
    def _in_range(self) -> LimitInput:
        most = MAX_AMOUNT[self.unit]  # the unit is one of UNITS by now
        if not 0 < self.amount <= most:
            raise FieldError(
                "amount", N_("must be above 0 and at most %(most)s %(unit)s"), most=f"{most:g}", unit=self.unit
            )
        return self

    def limit(self) -> Limit:
        return Limit(self.amount, self.unit)

    @classmethod
    def of(cls, limit: Limit) -> LimitInput:
        return cls(amount=limit.amount, unit=limit.unit)


class LevelLimits(Input):
    """The time limit at every level."""

    community: LimitInput
    street: LimitInput
    county: LimitInput
    city: LimitInput


class LevelLimitsChange(Input):
    """The time limits that change (the others stay as they are)."""

    community: LimitInput | None = None
    street: LimitInput | None = None
    county: LimitInput | None = None
    city: LimitInput | None = None


class CategoryInput(Input):
    """A new category (its version 1)."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "code": "G06",
                    "name": "占道经营",
                    "name_en": "street vending",
                    "kind": "incident",
                    "duty": "general",
                    "limits": {
                        lvl: {"amount": a, "unit": "working_days"} for lvl, a in zip(LEVELS_BOTTOM_UP, (1, 2, 3, 3))
                    },
                    "note": "城管联动",
                }
            ]
        }
    }

    code: CategoryCode
    name: Name
    name_en: Name
    kind: Kind
    duty: Duty
    limits: LevelLimits
    filing_limit: LimitInput = LimitInput.of(DEFAULT_FILING_LIMIT)
    verification_limit: LimitInput = LimitInput.of(DEFAULT_VERIFICATION_LIMIT)
    photo_required_on_verification: bool = False
    note: optional(Text) = None


class CategoryChange(Input):
    """The next version of a category: only what changes (the rest is copied from the current version).
    `based_on`: the version the change was made from (409 if another came meanwhile).  A category's
    kind never changes (add another category instead)."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {"based_on": 1, "limits": {"street": {"amount": 8, "unit": "working_days"}}, "note": "街道要求"},
                {"photo_required_on_verification": True, "verification_limit": {"amount": 2, "unit": "working_days"}},
            ]
        }
    }

    based_on: Id | None = None
    name: optional(Name) = None
    name_en: optional(Name) = None
    kind: Kind | None = None
    duty: Duty | None = None
    limits: LevelLimitsChange | None = None
    filing_limit: LimitInput | None = None
    verification_limit: LimitInput | None = None
    photo_required_on_verification: bool | None = None
    active: bool | None = None
    note: optional(Text) = None


class NoteInput(Input):
    """Why (kept with the version)."""

    note: optional(Text) = None


class CategoryListQuery(Query):
    include_disabled: bool = Field(False, description="also the categories no longer in use")


# -- outputs ----------------------------------------------------------------------------------------
class LimitView(Output):
    amount: float
    unit: str


class CategoryView(Output):
    code: str
    version: int  # cases keep the version they were filed under
    name: str
    name_en: str
    kind: str
    duty: str
    duty_name: str
    limits: dict[str, LimitView]
    filing_limit: LimitView  # how long a reported case may wait for its grid worker to file it
    verification_limit: LimitView  # how long a resolved case may wait for his verification
    photo_required_on_verification: bool
    active: bool  # a category no longer in use takes no new reports


class CategoryList(Output):
    items: list[CategoryView]


class CategoryVersionView(CategoryView):
    changed_at: LocalTime
    changed_by: str
    note: str | None


class CategoryHistory(Output):
    code: str
    current: int
    items: list[CategoryVersionView]  # oldest first
