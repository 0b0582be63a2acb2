"""Field types and base classes shared by every schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from gridflow.clock import CST
from gridflow.errors import N_

MAX_TEXT = 4000  # free text (descriptions, reasons, terms, notes)
# Ids and counters are INTEGER columns: the smaller range of the two back ends (PostgreSQL's int4).
DB_INT_MAX = 2**31 - 1


def clean_text(value: str) -> str:
    """Text the database can store: PostgreSQL refuses NUL characters, and no back end can encode a
    lone surrogate (they reach Python from JSON escapes such as "\\ud800" or undecodable CLI bytes)."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_unicode", "must be valid Unicode text (no lone surrogates)") from None
    return value


# What a pattern means, for error messages (the translation in schemas.errors looks them up).
PATTERN_HINTS: dict[str, str] = {r"\S": N_("must not be empty")}


def text(max_length: int = MAX_TEXT, pattern: str = r"\S", hint: str | None = None):
    """Text with something in it (`pattern`: by default, anything but white space), stripped, at
    most `max_length` characters, storable.  `hint` says in words what `pattern` wants."""
    if hint:
        PATTERN_HINTS[pattern] = hint
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length, pattern=pattern),
        AfterValidator(clean_text),
    ]


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def optional(kind):
    """An optional field of type `kind`: null, absent, or (for text) blank all mean "not given"."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


Text = text()
# One pattern, one hint (PATTERN_HINTS is keyed by pattern: a second wording would replace the first).
GridCode = text(15, r"^\d{15}$", N_("must be a grid code (15 digits)"))
Name = text(100)
Code = text(32)
Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


def _as_local(value):
    """Naive datetimes are UTC (as stored); every time leaves in China Standard Time."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(CST)
    return value


# A time as the API returns it: ISO 8601 with the +08:00 offset, to the second.
LocalTime = Annotated[
    datetime,
    BeforeValidator(_as_local),
    PlainSerializer(lambda v: v.isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-26T09:30:00+08:00"]}),
]


class Input(BaseModel):
    """A request body: unknown keys are errors, no type coercion from JSON (a number is not a string,
    a string is not a number), and no NaN or infinities."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class Query(BaseModel):
    """A query string: every value arrives as text and is converted; unknown parameters are errors (400)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Output(BaseModel):
    """A response body.  Built by the services from trusted values; its JSON schema names every field
    as required (the document says exactly what is sent)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Ref(Output):
    code: str
    name: str


class UserRef(Output):
    id: int
    name: str


T = TypeVar("T")


class Page(Output, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
