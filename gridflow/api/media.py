"""Attachments over HTTP: upload files for a stage of a case, list them, fetch a file or its thumbnail."""

from __future__ import annotations

from flask import current_app, g

from gridflow.api import bp
from gridflow.api.auth import login_required
from gridflow.api.cases import policy
from gridflow.api.spec import api_route
from gridflow.db import get_db
from gridflow.errors import TooLarge
from gridflow.media import attachments
from gridflow.media.attachments import Limits, Upload, field_of
from gridflow.media.checks import JPEG, PDF, PNG, THUMB_TYPE, WEBP
from gridflow.media.storage import Store, configured_store
from gridflow.schemas.media import AttachmentForm, AttachmentList

ATTACHMENT_ID = "<int(max=2147483647):attachment_id>"
# GET and POST share this path: with a bounded converter werkzeug would answer an id beyond the range
# 405 (it matches the method before the converter); unbounded, the service answers it 404.
CASE_FILES = "/cases/<int:case_id>/attachments"


def store() -> Store:
    return configured_store(current_app.config)


def _read(parts, limits: Limits) -> list[Upload]:
    """The file parts' bytes; a part over the size limit is refused before it is read into memory."""
    if len(parts) > limits.max_files:
        raise TooLarge(f"at most {limits.max_files} files a request ({len(parts)} sent)", field="file")
    uploads = []
    for i, part in enumerate(parts):
        size = part.stream.seek(0, 2)
        part.stream.seek(0)
        if size > limits.max_bytes:
            raise TooLarge(
                f"{field_of(i, len(parts))} is {size / 1e6:.1f} MB: larger than the "
                f"{limits.max_bytes / 1e6:g} MB a file may have",
                field=field_of(i, len(parts)),
            )
        uploads.append(Upload(part.filename, part.stream.read()))
    return uploads


@bp.post(CASE_FILES)
@login_required
@api_route(
    201,
    AttachmentList,
    form=AttachmentForm,
    also={200: AttachmentList},
    errors=(403, 404, 409, 503),
    tags=("attachments",),
)
def upload_attachments(case_id: int, body: AttachmentForm):
    """Attach photos or documents to a stage of the case (201); the same `client_id` again: 200 with
    the files stored the first time."""
    limits = Limits.from_config(current_app.config)
    stored, created = attachments.upload(
        get_db(), store(), g.actor, case_id, body.stage, _read(body.file, limits), policy(), limits, body.client_id
    )
    return stored, 201 if created else 200


@bp.get(CASE_FILES)
@login_required
@api_route(200, AttachmentList, errors=(404,), tags=("attachments",))
def case_attachments(case_id: int):
    """The case's photos and documents, oldest first."""
    return attachments.list_attachments(get_db(), g.actor, case_id)


def _send(found: attachments.StoredFile, download: bool):
    response = current_app.response_class(found.data, mimetype=found.content_type)
    response.headers["ETag"] = f'"{found.sha256}"'
    if download:  # a document is saved, never shown inside GridFlow's pages
        response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quoted(
            found.filename or "document.pdf"
        )
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@bp.get(f"/attachments/{ATTACHMENT_ID}")
@login_required
@api_route(200, None, errors=(404, 503), tags=("attachments",), binary=("attachment_file", (JPEG, PNG, WEBP, PDF)))
def attachment_file(attachment_id: int):
    """The stored file: an image (re-encoded, metadata stripped) or a PDF document (as a download)."""
    found = attachments.read_file(get_db(), store(), g.actor, attachment_id)
    return _send(found, download=found.content_type == PDF)


@bp.get(f"/attachments/{ATTACHMENT_ID}/thumb")
@login_required
@api_route(200, None, errors=(404, 503), tags=("attachments",), binary=("attachment_thumb", (THUMB_TYPE,)))
def attachment_thumb(attachment_id: int):
    """A small WebP of the file (at most 320 px; a page icon for a document)."""
    return _send(attachments.read_file(get_db(), store(), g.actor, attachment_id, thumb=True), download=False)
