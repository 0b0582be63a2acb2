"""The error body, and the one place where validation errors become GridFlow's errors.

Field names follow the JSON path: `location.lon`, `parties[1].phone`, `agreement.terms`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ConfigDict, ValidationError

from gridflow.errors import N_, BadJSON, GridflowError, Invalid, UnknownParameter
from gridflow.schemas.common import PATTERN_HINTS, Output


class Problem(ValueError):
    """Raised by a validator: what is wrong, as a catalogued English template (`N_`) and its
    parameters, so that pages show it in their language; the API's text is the template filled in."""

    def __init__(self, template: str, **params: Any):
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


class FieldError(Problem):
    """Raised by a validator that checks several fields together, naming the one at fault (relative
    to the model that raised it)."""

    def __init__(self, field: str, template: str, **params: Any):
        super().__init__(template, **params)
        self.field = field


class ErrorDetail(Output):
    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=False)

    code: str
    message: str
    field: str | None = None
    allowed_events: list[str] | None = None  # 409/422 on events: what the caller may do now
    current_version: int | None = None  # 409 on a stale version
    retry_after: int | None = None  # 429: seconds until logging in is allowed again (also the Retry-After header)


class ErrorResponse(Output):
    """Every 4xx answer: `{"error": {"code", "message", "field"?}}`."""

    error: ErrorDetail


def field_name(loc: tuple) -> str:
    """('parties', 1, 'phone') -> 'parties[1].phone'."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


# Messages by pydantic's error type: a template and its parameters, so that pages can show them in
# the page's language with the field's label (the API keeps its own words, `_message`).
_SIMPLE_MESSAGES = {
    "missing": N_("%(field)s is required"),
    "extra_forbidden": N_("%(field)s is not a known field"),
    "date_parsing": N_("%(field)s must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("%(field)s must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("%(field)s must be a date (YYYY-MM-DD)"),
    "date_type": N_("%(field)s must be a date (YYYY-MM-DD)"),
    "datetime_parsing": N_("%(field)s must be a date and time (YYYY-MM-DDTHH:MM)"),
    "datetime_from_date_parsing": N_("%(field)s must be a date and time (YYYY-MM-DDTHH:MM)"),
    "datetime_type": N_("%(field)s must be a date and time (YYYY-MM-DDTHH:MM)"),
    "float_parsing": N_("%(field)s must be a number"),
    "float_type": N_("%(field)s must be a number"),
    "int_parsing": N_("%(field)s must be a whole number"),
    "int_type": N_("%(field)s must be a whole number"),
    "bool_parsing": N_("%(field)s must be true or false"),
    "bool_type": N_("%(field)s must be true or false"),
}
# pydantic's error type: (template, the context values it names)
_CONTEXT_MESSAGES = {
    "string_too_long": (N_("%(field)s must be at most %(max_length)s characters"), ("max_length",)),
    "greater_than_equal": (N_("%(field)s must be at least %(ge)s"), ("ge",)),
    "greater_than": (N_("%(field)s must be more than %(gt)s"), ("gt",)),
    "less_than_equal": (N_("%(field)s must be at most %(le)s"), ("le",)),
    "less_than": (N_("%(field)s must be less than %(lt)s"), ("lt",)),
}


_QUOTED = re.compile(r"'([^']*)'")  # the values in pydantic's `expected` ("'a', 'b' or 'c'")


def _message(error: Mapping[str, Any], field: str) -> str:
    """The API's words for a validation error."""
    kind = error["type"]
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a known field"
    if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return f"{field} must not be empty"
    if kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in PATTERN_HINTS:
        return f"{field} {PATTERN_HINTS[error['ctx']['pattern']]}"
    if kind == "value_error":
        return f"{field}: {error['ctx']['error']}"
    return f"{field}: {error['msg'][:1].lower()}{error['msg'][1:]}"


def _number(value: Any) -> Any:
    """A bound as people write it: 0, not 0.0."""
    return f"{value:g}" if isinstance(value, float) else value


def _template(error: Mapping[str, Any], field: str) -> tuple[str, dict[str, Any]]:
    """The same error as a catalogued template and its parameters, for pages to show in their
    language with the field's label (the API's text stays `_message`'s)."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _SIMPLE_MESSAGES:
        return _SIMPLE_MESSAGES[kind], {"field": field}
    if kind in _CONTEXT_MESSAGES:
        template, names = _CONTEXT_MESSAGES[kind]
        return template, {"field": field, **{n: _number(ctx[n]) for n in names}}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return N_("%(field)s must not be empty"), {"field": field}
    if kind == "string_pattern_mismatch" and ctx["pattern"] in PATTERN_HINTS:
        return N_("%(field)s %(hint)s"), {"field": field, "hint": PATTERN_HINTS[ctx["pattern"]]}
    if kind == "literal_error":  # the allowed values, for pages to name in their language
        return N_("%(field)s must be one of %(choices)s"), {"field": field, "choices": _QUOTED.findall(ctx["expected"])}
    if kind == "value_error" and isinstance(ctx["error"], Problem):
        problem = ctx["error"]
        return N_("%(field)s: %(error)s"), {"field": field, "error": problem.template, "error_params": problem.params}
    if kind == "value_error":
        return N_("%(field)s: %(error)s"), {"field": field, "error": str(ctx["error"])}
    return N_("%(field)s: %(error)s"), {"field": field, "error": f"{error['msg'][:1].lower()}{error['msg'][1:]}"}


def translate(exc: ValidationError, source: str = "body", raw: bytes | None = None) -> GridflowError:
    """The first error of `exc` as a GridFlow error.  `source`: 'body' or 'query'.  A body that is
    not JSON is 400 (a lone surrogate, which some parsers accept, is a 422 naming its field); an
    unknown query parameter is 400 naming every one; everything else is 422 naming the field."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        surrogate = _lone_surrogate_at(raw)
        if surrogate is not None:
            return Invalid(f"{surrogate}: must be valid Unicode text (no lone surrogates)", field=surrogate)
        return BadJSON(f"the body is not valid JSON: {first['ctx']['error']}", field="body")
    if source == "query":
        unknown = [field_name(e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
        if unknown:
            return UnknownParameter(f"unknown query parameter(s): {', '.join(unknown)}", field=unknown[0])
    loc = tuple(first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc += tuple(cause.field.split("."))
    field = field_name(loc) or source
    invalid = Invalid(_message(first, field), field=field)
    invalid.template, invalid.params = _template(first, field)  # what pages translate
    return invalid


def _lone_surrogate_at(raw: bytes | None) -> str | None:
    """Where a body the strict parser refused holds a lone surrogate escape ("\\ud800"): Python's own
    parser accepts those, so the field can be named.  None if it is not that (then: malformed)."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return _first_surrogate(data, ())
    except (ValueError, RecursionError):  # not JSON even to Python, or nested deeper than we walk
        return None


def _first_surrogate(value, loc: tuple) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return field_name(loc) or "body"
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _first_surrogate(key, loc) if isinstance(key, str) else None
        found = found or _first_surrogate(item, (*loc, key))
        if found:
            return found
    return None
