"""Parsing input into schemas: the same entry points for the JSON API, the pages and the CLI, each
failure translated once (`gridflow.schemas.errors.translate`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from gridflow.errors import Invalid
from gridflow.schemas.errors import translate

M = TypeVar("M", bound=BaseModel)


def parse_json(model: type[M], raw: bytes) -> M:
    """A JSON body (bytes as received) into `model`: one pass, parsed and validated in pydantic-core."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise translate(exc, "body", raw) from None


def parse_query(model: type[M], args) -> M:
    """A query string (a werkzeug MultiDict, or a plain mapping) into `model`.  Empty values count as
    not given; a parameter given twice is an error (one value each)."""
    data = {}
    for key in args:
        values = args.getlist(key) if hasattr(args, "getlist") else [args[key]]
        if len(values) > 1:
            raise Invalid(f"{key}: give it once", field=key)
        if values[0] != "":
            data[key] = values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, "query") from None


def parse_data(model: type[M], data: Mapping, strict: bool | None = None) -> M:
    """Python data (a form, CLI arguments) into `model`; `strict=False` lets text stand for numbers
    and dates, as forms send them."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise translate(exc, "body") from None
