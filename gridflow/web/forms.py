"""A submitted page form: what was typed (shown again on error) and the errors by field.

Errors are the domain's own: a service raises `Invalid(..., field="new_password")` (the API answers
the same error as JSON with the same field name), the view catches it into the form, and the macros
of templates/macros/forms.html show it twice, GOV.UK style: in the error summary at the top and next
to its field.  A view reads:

    form = Form(request.form)
    if request.method == "POST":
        with form.catching():
            users.change_password(get_db(), actor.id, form.value("old_password"), form.value("new_password"))
            return redirect(...)
    return render_template("password.html", form=form), form.status
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask_babel import gettext

from gridflow.errors import Conflict, GridflowError, Invalid, Unauthorized


def translated(exc: GridflowError) -> str:
    """The error's message in the page's language (its template is the catalogue's message id)."""
    return gettext(exc.template, **exc.params)


class Form:
    def __init__(self, data: Mapping[str, str] | None = None):
        self.data = data if data is not None else {}
        self.errors: dict[str | None, str] = {}  # field (None: the form as a whole) -> message

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
        """422 when the page shows errors (htmx is configured to swap it in), else 200."""
        return 422 if self.errors else 200

    @contextmanager
    def catching(self) -> Iterator[None]:
        """Domain errors about the input become form errors; others (404, 403 …) go on to the error
        page, since no field of this form can fix them."""
        try:
            yield
        except GridflowError as exc:
            if exc.field is None and not isinstance(exc, (Invalid, Conflict, Unauthorized)):
                raise
            self.add_error(exc.field, translated(exc))
