"""Checking JSON input: each failure is an `Invalid` naming the field."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from gridflow.errors import Invalid

_MISSING = object()


def obj(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"{field} must be a JSON object", field=field)
    return value


def text(data: dict, key: str, *, required: bool = True, max_len: int = 4000, prefix: str = "") -> str | None:
    field = prefix + key
    value = data.get(key, _MISSING)
    if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string", field=field)
    if len(value) > max_len:
        raise Invalid(f"{field} is longer than {max_len} characters", field=field)
    return value.strip()


def secret(data: dict, key: str, *, max_len: int = 200) -> str:
    """A password: required, and taken exactly as typed (never trimmed: spaces are characters)."""
    value = data.get(key)
    if value is None or value == "":
        raise Invalid(f"{key} is required", field=key)
    if not isinstance(value, str):
        raise Invalid(f"{key} must be a string", field=key)
    if len(value) > max_len:
        raise Invalid(f"{key} is longer than {max_len} characters", field=key)
    return value


def choice(data: dict, key: str, options, *, required: bool = True, prefix: str = "") -> str | None:
    value = text(data, key, required=required, max_len=64, prefix=prefix)
    if value is not None and value not in options:
        raise Invalid(f"{prefix + key} must be one of {', '.join(options)}", field=prefix + key)
    return value


def _given(data: dict, key: str, required: bool, prefix: str) -> tuple[str, Any]:
    """(field name, value); a missing required value is an error, a missing optional one is None."""
    field, value = prefix + key, data.get(key)
    if value is None and required:
        raise Invalid(f"{field} is required", field=field)
    return field, value


def number(
    data: dict,
    key: str,
    *,
    required: bool = True,
    minimum: float | None = None,
    maximum: float | None = None,
    prefix: str = "",
) -> float | None:
    field, value = _given(data, key, required, prefix)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(f"{field} must be a number", field=field)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise Invalid(f"{field} must be between {minimum} and {maximum}", field=field)
    return float(value)


def integer(data: dict, key: str, *, required: bool = True, prefix: str = "") -> int | None:
    field, value = _given(data, key, required, prefix)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number", field=field)
    return value


def day(data: dict, key: str, *, required: bool = True, prefix: str = "") -> date | None:
    value = text(data, key, required=required, max_len=10, prefix=prefix)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{prefix + key} must be a date (YYYY-MM-DD)", field=prefix + key) from None


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(data: dict, key: str, *, prefix: str = "") -> str | None:
    """A resident ID number (GB 11643): 18 characters with a valid check digit."""
    value = text(data, key, required=False, max_len=18, prefix=prefix)
    if value is None:
        return None
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise Invalid(f"{prefix + key} must be an 18-character ID number", field=prefix + key)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS)) % 11]
    if value[17] != check:
        raise Invalid(f"{prefix + key} has a wrong check digit", field=prefix + key)
    return value


def phone(data: dict, key: str, *, prefix: str = "") -> str | None:
    value = text(data, key, required=False, max_len=20, prefix=prefix)
    if value is not None and not re.fullmatch(r"[0-9+\- ]{5,20}", value):
        raise Invalid(f"{prefix + key} must be a phone number", field=prefix + key)
    return value
