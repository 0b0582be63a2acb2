"""The API's one input layer and its OpenAPI document (spectree over the pydantic schemas).

`@api_route(...)` declares what a view takes (query model, JSON body model) and what it answers; the
request is parsed before the view runs (`gridflow.schemas.parse`: malformed JSON 400, unknown query
parameters 400, invalid input 422 naming the field) and the view's read model is rendered as JSON.
The same declarations make the document at /api/v1/openapi.json.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, request
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.config import ModeEnum
from spectree.models import SecureType
from spectree.plugins.flask_plugin import FlaskPlugin

from gridflow.errors import Invalid, TooLarge, UnknownParameter, UnsupportedMediaType
from gridflow.schemas.errors import ErrorResponse
from gridflow.schemas.parse import parse_data, parse_json, parse_query

BEARER = "bearer"
API_PREFIX = "/api/v1"

DESCRIPTION = """Grid-management workflow and case tracking (网格化服务管理, 矛盾纠纷多元化解).

Log in with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.  Every error is
`{"error": {"code", "message", "field"?}}`: 400 for a body that is not JSON and for unknown query
parameters, 401 without a valid token, 403 for a role that may never do an event, 404 for what does
not exist or lies outside the caller's area, 409 for an event not allowed now (`allowed_events`) or
a stale `version`, 413 for a body over 1 MiB (uploads: a file over its limit), 415 for a body that is
not `application/json` (uploads: not `multipart/form-data`, or a file of a kind not taken), 422 for
well-formed input that is invalid (`field` names it: `location.lon`, `parties[1].phone`, `files[2]`).
Reports and events may carry `client_id` (a UUID made by the sender): sent again, the first answer's
case is answered (200) and nothing is applied twice.  Times are ISO 8601 in China Standard Time
(+08:00); dates are YYYY-MM-DD."""


class GridflowPlugin(FlaskPlugin):
    """spectree's Flask plugin with GridFlow's parsing and rendering: one pydantic pass over the raw
    body, errors through `schemas.errors.translate`, read models rendered by pydantic."""

    def validate(
        self,
        func,
        query,
        json,
        form,
        headers,
        cookies,
        resp,
        before,
        after,
        validation_error_status,
        skip_validation,
        force_resp_serialize,
        *args,
        **kwargs,
    ):
        if query is not None:
            kwargs["query"] = parse_query(query, request.args)
        elif request.args:
            names = list(request.args)
            raise UnknownParameter(f"unknown query parameter(s): {', '.join(names)}", field=names[0])
        if json is not None:
            if request.mimetype and not request.is_json:
                raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)", field="body")
            kwargs["body"] = parse_json(json, request.get_data(cache=False))
        if form is not None:
            # The one multipart route takes attachments: its body limit follows their settings
            # (every other route keeps MAX_CONTENT_LENGTH).
            from gridflow.media.attachments import Limits

            limits = Limits.from_config(current_app.config)
            request.max_content_length = limits.request_bytes()
            length = request.content_length or 0
            if length > limits.request_bytes():  # refused before a byte is read
                raise TooLarge(
                    f"the request is {length / 1e6:.1f} MB: an upload takes at most "
                    f"{limits.max_files} files of {limits.max_bytes / 1e6:g} MB",
                    field="body",
                )
            kwargs["body"] = parse_multipart(form)
        return self.render(func(*args, **kwargs), resp)

    @staticmethod
    def render(result, resp: Response | None):
        payload, status = result if isinstance(result, tuple) else (result, 200)
        if not isinstance(payload, BaseModel):
            return payload, status
        if current_app.testing and resp is not None:  # the document must say what is sent
            declared = resp.find_model(status)
            assert declared is not None and isinstance(payload, declared), f"{type(payload)} as {status}"
        return current_app.response_class(payload.model_dump_json(), status=status, mimetype="application/json")

    def find_routes(self):
        for rule in super().find_routes():
            if str(rule).startswith(API_PREFIX + "/"):
                yield rule


FILE_PARTS = ("file",)  # the form parts that carry files (the model's BaseFile fields)


def parse_multipart(model: type[BaseModel]) -> BaseModel:
    """A multipart/form-data body into `model`: its text fields validated, its file parts (werkzeug's
    FileStorage) as they came.  Set the request's body limit before (`request.max_content_length`)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the files as multipart/form-data (parts named file)", field="body")
    unknown = [name for name in request.files if name not in FILE_PARTS]
    if unknown:
        raise Invalid(f"{unknown[0]} is not a known field (send files as parts named file)", field=unknown[0])
    fields: dict[str, object] = {name: v[0] if len(v) == 1 else v for name, v in request.form.lists()}
    for name in model.model_fields.keys() & FILE_PARTS:
        if name in fields:
            raise Invalid(f"{name} must be a file (a part with a filename), not a text field", field=name)
        if name in request.files:
            fields[name] = request.files.getlist(name)
    return parse_data(model, fields, strict=False)


spec = SpecTree(
    "flask",
    backend=GridflowPlugin,
    title="GridFlow API",
    version="1",
    description=DESCRIPTION,
    mode=ModeEnum.strict,  # only the routes declared with api_route
    annotations=False,
    page_templates={},  # the docs page is our own (gridflow.api.docs): no CDN
    path="api/v1/docs",
    security_schemes=[SecurityScheme(name=BEARER, data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    validation_error_model=ErrorResponse,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

# What can go wrong anywhere, and where a token or a body is involved.
_ALWAYS = (400,)
_AUTH = (401,)
_BODY = (413, 415, 422)


# Operations answering files rather than JSON: operation id -> the content types of their 200.
BINARY: dict[str, tuple[str, ...]] = {}


def api_route(
    ok: int,
    answer: type[BaseModel] | None,
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    login: bool = True,
    errors: tuple[int, ...] = (),
    tags: tuple[str, ...] = (),
    also: dict[int, type[BaseModel]] | None = None,
    binary: tuple[str, tuple[str, ...]] | None = None,
):
    """Declare a view: its success status and read model (None: no body, as for 204), its query and body models (`body`: JSON,
    `form`: multipart/form-data), the errors it may answer besides the usual ones.  `also`: other
    success answers (a repeated client id: 200 besides 201); `binary`: (operation id, content types)
    of a view answering a file (`answer` None).  Put it under the route and `login_required` (it
    parses after the caller is known)."""
    has_body = body is not None or form is not None
    codes = {*_ALWAYS, *(_AUTH if login else ()), *(_BODY if has_body else ()), *((422,) if query else ()), *errors}
    answers = {f"HTTP_{ok}": answer} | {f"HTTP_{code}": model for code, model in (also or {}).items()}
    responses = Response(**answers, **{f"HTTP_{code}": ErrorResponse for code in sorted(codes)})
    operation_id = None
    if binary is not None:
        operation_id, BINARY[binary[0]] = binary
    return spec.validate(
        query=query,
        json=body,
        form=form,
        resp=responses,
        tags=tags,
        security={BEARER: []} if login else {},
        operation_id=operation_id,
    )


_document: dict[str, Any] | None = None


def document() -> dict[str, Any]:
    """The OpenAPI document: spectree's, with the file answers described as files."""
    global _document
    if _document is None:
        doc = copy.deepcopy(spec.spec)
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                types = BINARY.get(operation.get("operationId", "")) if isinstance(operation, dict) else None
                if types:
                    operation["responses"]["200"]["content"] = {
                        t: {"schema": {"type": "string", "format": "binary"}} for t in types
                    }
        _document = doc
    return _document
