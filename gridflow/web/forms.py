"""A submitted page form: what was typed (shown again on error) and the errors by field.

Errors are the domain's own: a service raises `Invalid(..., field="new_password")` (the API answers
the same error as JSON with the same field name), the view catches it into the form, and the macros
of templates/macros/forms.html show it twice, GOV.UK style: in the error summary at the top and next
to its field.  A view reads:

    form = Form(request.form)
    if request.method == "POST":
        with form.catching():
            accounts.reset_password(get_db(), page_caller(), user_id, form.value("password"))
            return redirect(...)
    return render_template("password.html", form=form), form.status, form.headers
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from babel.lists import format_list
from flask_babel import get_locale, gettext

from gridflow.errors import Conflict, GridflowError, Invalid, TooManyAttempts, Unauthorized

# Parameters of a message that are themselves messages (a pattern's hint, a validator's words) or
# codes with names (an event, a unit of time, a level): shown in the page's language too.
_CODE_PARAMS = {"event": "event", "unit": "unit", "level": "level", "parent_level": "level"}
_INDEX = re.compile(r"\[\d+\]")


def translated(exc: GridflowError, labels: Mapping[str, str] | None = None) -> str:
    """The error's message in the page's language (its template is the catalogue's message id); the
    field it names is called by its label on the page (`labels`: field name -> label)."""
    return in_page_language(exc.template, exc.params, labels)


def in_page_language(template: str, params: Mapping, labels: Mapping[str, str] | None = None) -> str:
    """A catalogued English template and its parameters, in the page's language."""
    from gridflow.web.labels import named

    params = _in_words(params)
    inner = _in_words(params.pop("error_params", None) or {})  # a validator's own template's
    if isinstance(params.get("hint"), str):
        params["hint"] = gettext(params["hint"])
    if isinstance(params.get("error"), str):
        params["error"] = gettext(params["error"], **inner)
    if isinstance(params.get("choices"), list):
        params["choices"] = format_list(
            [named(code) for code in params["choices"]], style="or", locale=get_locale() or "zh"
        )
    field = params.get("field")
    if labels and isinstance(field, str):  # a list's item (grids[2]) by the list's label
        params["field"] = labels.get(field) or labels.get(_INDEX.sub("", field), field)
    return gettext(template, **params)


def _in_words(params: Mapping) -> dict:
    """Parameters that are codes with names (an event, a unit of time, a level), named in the page's language."""
    from gridflow.web.labels import label

    return {k: label(v, _CODE_PARAMS[k]) if k in _CODE_PARAMS and isinstance(v, str) else v for k, v in params.items()}


class Form:
    def __init__(self, data: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None):
        self.data = data if data is not None else {}
        self.labels = labels or {}  # field name -> its label, for messages that name the field
        self.errors: dict[str | None, str] = {}  # field (None: the form as a whole) -> message
        self.held_up: TooManyAttempts | None = None  # too many failed attempts: 429, with Retry-After

    def value(self, name: str, default: str = "") -> str:
        """What was typed, as typed (not trimmed: services decide)."""
        value = self.data.get(name)
        return default if value is None else value

    def error(self, name: str | None) -> str | None:
        return self.errors.get(name)

    def add_error(self, field: str | None, message: str) -> None:
        self.errors.setdefault(field, message)  # the first problem of a field is the one shown

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> int:
        """422 when the page shows errors (htmx is configured to swap it in), 429 when it shows that
        there were too many failed attempts, else 200."""
        if self.held_up is not None:
            return self.held_up.status
        return 422 if self.errors else 200

    @property
    def headers(self) -> dict[str, str]:
        """Headers the page's answer carries (Retry-After with a 429)."""
        return self.held_up.headers if self.held_up is not None else {}

    @contextmanager
    def catching(self) -> Iterator[None]:
        """Domain errors about the input become form errors; others (404, 403 …) go on to the error
        page, since no field of this form can fix them."""
        try:
            yield
        except GridflowError as exc:
            if exc.field is None and not isinstance(exc, (Invalid, Conflict, Unauthorized, TooManyAttempts)):
                raise
            self.add_error(exc.field, translated(exc, self.labels))
            if isinstance(exc, TooManyAttempts):
                self.held_up = exc
