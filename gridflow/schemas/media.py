"""Attachments: the upload form (multipart/form-data) and what the attachment routes answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from spectree.model_adapter.pydantic_adapter import BaseFile

from gridflow.schemas.cases import ClientId
from gridflow.schemas.common import Input, LocalTime, Output, UserRef
from gridflow.workflow.table import STAGES

Stage = Literal[STAGES]


class AttachmentForm(Input):
    """One or more files (parts named `file`: JPEG, PNG, WebP, HEIC photos or PDF documents, judged by
    their content, at most 9 of at most 10 MB each by default) for one stage of the case.
    `client_id`: the sender's own id for the upload; sent again, the files stored the first time are
    answered (200) and nothing is stored twice."""

    model_config = Input.model_config | {"strict": False}  # form fields arrive as text

    file: Annotated[list[BaseFile], Field(min_length=1)]
    stage: Stage
    client_id: ClientId | None = None


class AttachmentView(Output):
    id: int
    case_id: int
    stage: str
    content_type: str
    size: int  # bytes, as stored
    sha256: str  # of the stored bytes (recorded in the case's timeline)
    filename: str | None  # as sent, for display
    taken_at: LocalTime | None  # from the photo's EXIF
    distance_m: float | None  # where the photo was taken (EXIF GPS) from the case's location
    created_at: LocalTime
    created_by: UserRef | None
    merged_from: int | None  # carried over from this (merged) case
    url: str
    thumb_url: str


class AttachmentList(Output):
    items: list[AttachmentView]
