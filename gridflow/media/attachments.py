"""Attachment use cases: upload files for a stage of a case, list them, read a file or its thumbnail.

The case's access rules apply (404 outside the caller's area: `gridflow.people.access`); who may
upload for which stage in which state is the workflow table's `attach` rows.  Each upload is one
timeline event (`attach`, recording the stage and each file's SHA-256) in the same transaction as
its rows; the bytes are stored first (content-addressed, see `storage`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridflow.cases.chain import append_side_event, event_by_client_id
from gridflow.cases.policy import Policy
from gridflow.cases.view import distance_m, load_visible
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from gridflow.media.checks import THUMB_TYPE, Checked, check
from gridflow.media.storage import Store, key_for
from gridflow.models import Attachment, Case
from gridflow.people.access import can_see
from gridflow.schemas.common import DB_INT_MAX, UserRef
from gridflow.schemas.media import AttachmentList, AttachmentView
from gridflow.workflow import table
from gridflow.workflow.rules import Actor


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1000 * 1000
    max_files: int = 9
    max_pixels: int = 50_000_000

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(config["ATTACHMENT_MAX_BYTES"], config["ATTACHMENT_MAX_FILES"], config["ATTACHMENT_MAX_PIXELS"])

    def request_bytes(self) -> int:
        """The body limit of the upload route: its files, and room for the form's own parts."""
        return self.max_files * self.max_bytes + 256 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


def field_of(index: int, count: int) -> str:
    """The form part at fault: `file` when one was sent, `files[2]` (from 0) among several."""
    return "file" if count == 1 else f"files[{index}]"


def _may_attach(case: Case, actor: Actor, stage: str) -> None:
    if actor.role not in table.roles_for("attach"):
        raise Forbidden(f"a {actor.role} may never attach files to a case", field="stage")
    if table.row_taken(case, "attach", actor, stage) is None:
        stages = table.attach_stages(case, actor)
        raise Conflict(
            f"files for stage {stage} cannot be attached now (state {case.state}); now: {', '.join(stages) or 'none'}",
            field="stage",
            attach_stages=stages,
        )


def _already_sent(s: Session, actor: Actor, client_id: str | None, case: Case) -> AttachmentList | None:
    """The answer to an upload this actor sent before with the same client id, if any."""
    if client_id is None:
        return None
    event = event_by_client_id(s, actor, client_id)
    if event is None:
        return None
    if event.case_id != case.id or event.event != "attach":
        raise Invalid("client_id was used already for another request: make a new one", field="client_id")
    rows = s.scalars(select(Attachment).where(Attachment.event_id == event.id).order_by(Attachment.id))
    return AttachmentList(items=[attachment_view(a) for a in rows])


def upload(
    db: Database,
    store: Store,
    actor: Actor,
    case_id: int,
    stage: str,
    files: Sequence[Upload],
    policy: Policy,
    limits: Limits,
    client_id: str | None = None,
) -> tuple[AttachmentList, bool]:
    """Store `files` for `stage` of the case: (the stored attachments, True), or (those stored by an
    earlier upload with the same client id, False).  All or nothing: one bad file refuses them all."""
    if not files:
        raise Invalid("send one or more files as form parts named file", field="file")
    if len(files) > limits.max_files:
        raise TooLarge(f"at most {limits.max_files} files a request ({len(files)} sent)", field="file")
    with db.session() as s:  # refused early, before any file is decoded
        case = load_visible(s, actor, case_id)
        _may_attach(case, actor, stage)
        earlier = _already_sent(s, actor, client_id, case)
        if earlier is not None:
            return earlier, False
    checked = [check(f.data, field_of(i, len(files)), limits.max_bytes, limits.max_pixels) for i, f in enumerate(files)]
    for c in checked:
        store.put(key_for(c.sha256), c.data, c.content_type)
        store.put(key_for(c.sha256, thumb=True), c.thumb, THUMB_TYPE)
    now = utcnow()
    try:
        with db.session(write=True) as s:
            case = load_visible(s, actor, case_id, lock=True)
            _may_attach(case, actor, stage)  # the case may have moved on while the files were checked
            earlier = _already_sent(s, actor, client_id, case)
            if earlier is not None:
                return earlier, False
            record = {
                "stage": stage,
                "files": [{"sha256": c.sha256, "content_type": c.content_type, "size": len(c.data)} for c in checked],
            }
            event = append_side_event(s, case, actor, "attach", record, now, policy.keys(), client_id)
            rows = [_row(case, event.id, stage, c, f.filename, actor, now) for c, f in zip(checked, files, strict=True)]
            s.add_all(rows)
            s.flush()
            return AttachmentList(items=[attachment_view(a) for a in rows]), True
    except IntegrityError:  # the same client id, sent for another case at the same moment
        raise Conflict("client_id was used meanwhile by another request", field="client_id") from None


def _clean_name(name: str | None) -> str | None:
    """The name as sent, for display only (never a path): its last component, printable, bounded."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF).strip()
    return base[:200] or None


def _row(case: Case, event_id: int, stage: str, c: Checked, filename: str | None, actor: Actor, now: datetime):
    distance = None if c.lon is None or c.lat is None else distance_m(case, c.lon, c.lat)
    return Attachment(
        case_id=case.id,
        event_id=event_id,
        stage=stage,
        content_type=c.content_type,
        size=len(c.data),
        sha256=c.sha256,
        filename=_clean_name(filename),
        taken_at=c.taken_at,
        lon=c.lon,
        lat=c.lat,
        distance_m=distance,
        created_at=now,
        created_by_id=actor.id,
        created_by_name=actor.name,
    )


def attachment_view(a: Attachment, merged_from: int | None = None) -> AttachmentView:
    return AttachmentView(
        id=a.id,
        case_id=a.case_id,
        stage=a.stage,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        filename=a.filename,
        taken_at=a.taken_at,
        distance_m=a.distance_m,
        created_at=a.created_at,
        created_by=UserRef(id=a.created_by_id, name=a.created_by_name) if a.created_by_id is not None else None,
        merged_from=merged_from,
        url=f"/api/v1/attachments/{a.id}",
        thumb_url=f"/api/v1/attachments/{a.id}/thumb",
    )


def case_attachments(s: Session, case_id: int) -> list[AttachmentView]:
    """A case's attachments, oldest first (the caller has checked the case is visible)."""
    rows = list(s.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)))
    origins = {o.id: o.case_id for o in _origins(s, rows)}
    return [attachment_view(a, origins.get(a.origin_id) if a.origin_id else None) for a in rows]


def _origins(s: Session, rows: list[Attachment]) -> list[Attachment]:
    ids = {a.origin_id for a in rows if a.origin_id}
    return list(s.scalars(select(Attachment).where(Attachment.id.in_(ids)))) if ids else []


def list_attachments(db: Database, actor: Actor, case_id: int) -> AttachmentList:
    """GET /cases/{id}/attachments: every file of a case the caller may see (404 otherwise)."""
    with db.session() as s:
        case = load_visible(s, actor, case_id)
        return AttachmentList(items=case_attachments(s, case.id))


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    sha256: str
    filename: str | None


def read_file(db: Database, store: Store, actor: Actor, attachment_id: int, thumb: bool = False) -> StoredFile:
    """An attachment's bytes (or its thumbnail's), if its case is visible to the caller (404 otherwise)."""
    if isinstance(attachment_id, bool) or not 1 <= attachment_id <= DB_INT_MAX:
        raise NotFound("no such attachment", field="id")
    with db.session() as s:
        found = s.execute(
            select(Attachment, Case).join(Case, Attachment.case_id == Case.id).where(Attachment.id == attachment_id)
        ).first()
        if found is None or not can_see(found[1], actor):
            raise NotFound("no such attachment", field="id")
        a = found[0]
    data = store.get(key_for(a.sha256, thumb=thumb))
    return StoredFile(data, THUMB_TYPE if thumb else a.content_type, a.sha256, a.filename)
