"""Domain errors with the HTTP status they map to; one handler renders them (gridflow.api.errors as JSON,
gridflow.web.forms and gridflow.web.errors on pages)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a constant English message for the translation catalogue (`pybabel extract -k N_`); the
    text itself stays English here, and pages translate it when they show it."""
    return message


class GridflowError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, *, params: dict | None = None, **extra):
        """`message` is English.  Pages show it translated: give it as a constant template marked
        with `N_` (so it lands in the catalogue) and its variable parts in `params`
        (`Invalid(N_("at least %(min)d characters"), field="password", params={"min": 10})`)."""
        self.template = message
        self.params = params or {}
        self.message = message % self.params if params else message
        super().__init__(self.message)
        self.field = field
        self.extra = extra

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that go with the error's answer."""
        return {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class NotFound(GridflowError):
    status, code = 404, "not_found"


class Invalid(GridflowError):
    status, code = 422, "invalid"


class Conflict(GridflowError):
    status, code = 409, "conflict"


class Forbidden(GridflowError):
    status, code = 403, "forbidden"


class Unauthorized(GridflowError):
    status, code = 401, "unauthorized"


class BadJSON(GridflowError):
    """The body is not JSON at all (malformed, nested too deep, numbers the parser refuses)."""

    status, code = 400, "bad_json"


class UnknownParameter(GridflowError):
    status, code = 400, "unknown_parameter"


class UnsupportedMediaType(GridflowError):
    status, code = 415, "unsupported_media_type"


class TooLarge(GridflowError):
    """A file (or a request) larger than its limit."""

    status, code = 413, "too_large"


class UnsupportedFile(GridflowError):
    """A file whose content is of no kind GridFlow takes (whatever its name says)."""

    status, code = 415, "unsupported_file"


class StorageUnavailable(GridflowError):
    """The attachment store does not answer, or lacks a file the database names."""

    status, code = 503, "storage_unavailable"


class TooManyAttempts(GridflowError):
    """Too many failed logins within the window: try again after `retry_after` seconds."""

    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int, *, params: dict | None = None):
        super().__init__(message, params=params, retry_after=retry_after)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
