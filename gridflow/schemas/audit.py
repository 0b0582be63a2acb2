"""The audit log over HTTP: search (admins) and its entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from gridflow.clock import parse_iso
from gridflow.errors import N_
from gridflow.schemas.cases import Paging
from gridflow.schemas.common import LocalTime, Output, Page, text
from gridflow.schemas.errors import Problem


def _time(value: Any) -> Any:
    """ISO 8601 (a date, or a time; without an offset China time) to naive UTC, as stored."""
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            raise Problem(N_("must be an ISO 8601 date or time (2026-11-27 or 2026-11-27T09:00:00+08:00)")) from None
    return value


QueryTime = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-27T09:00:00+08:00"]}),
]
KindFilter = text(40, r"^[a-z_]+(\.[a-z_]+)?$", N_("must be a kind such as login or login.failure"))


class AuditSearch(Paging):
    """Entries newest first; every filter optional."""

    actor: text(100) | None = Field(None, description="the acting user's name (or cli:<account> for commands)")
    kind: KindFilter | None = Field(None, description="a kind (login.failure) or a family of kinds (login)")
    subject: text(200) | None = Field(None, description="what an entry is about: user:NAME, case:ID, grid:CODE …")
    from_: QueryTime | None = Field(None, alias="from", description="at or after this time")
    to: QueryTime | None = Field(None, description="before this time")


class AuditEntry(Output):
    seq: int
    at: LocalTime
    actor: str
    actor_id: int | None
    kind: str
    client: str | None
    subject: str | None
    data: dict


class AuditPage(Page[AuditEntry]):
    pass
