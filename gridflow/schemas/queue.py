"""The work queue: its rows (a case and what the caller may do to it now), the desk's query (the
case search's filter names, keyset cursors) and the desk's keyset page."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gridflow.errors import N_
from gridflow.schemas.cases import CaseSummary, CategoryCode, Kind, Paging, SearchText
from gridflow.schemas.common import GridCode, Output, Page, text
from gridflow.schemas.errors import FieldError

CURSOR_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?_\d{1,10}$"
Cursor = text(40, CURSOR_PATTERN, N_("must be a cursor of this list (from its next or previous link)"))


class QueueQuery(Paging):
    """The desk's work queue: the caller's queue narrowed by the case search's filters (same names),
    paged by keyset (`after`/`before`: the cursor of a row; stays fast however deep)."""

    kind: Kind | None = None
    category: CategoryCode | None = None
    state: Literal["open", "handling"] | None = None
    grid: GridCode | None = Field(None, description="a grid code")
    q: SearchText | None = Field(
        None, description="part of the case number, or two or more characters of its description or address"
    )
    supervised: bool | None = Field(None, description="under supervision (督办) from an upper level, or not")
    after: Cursor | None = None
    before: Cursor | None = None

    @model_validator(mode="after")
    def _one_direction(self) -> QueueQuery:
        if self.after and self.before:
            raise FieldError("before", N_("give after or before, not both"))
        return self


class QueueItem(CaseSummary):
    allowed_events: list[str]  # what the caller may do to it now (the workflow table)


class QueuePage(Page[QueueItem]):
    pass


class QueueSlice(Output):
    """A keyset page of the desk's queue: its rows, how many match in all, and the cursors of the
    pages next to it (null at either end)."""

    items: list[QueueItem]
    total: int
    after: str | None
    before: str | None
