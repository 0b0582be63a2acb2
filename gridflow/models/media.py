"""Attachments of cases: photos and documents, stored by content (see gridflow.media)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridflow.models.base import Base


class Attachment(Base):
    """One file of a case.  The bytes live in the attachment store under their SHA-256 (the same
    photo on two cases is stored once); the case's timeline records the hash (`attach` events)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # The timeline event that recorded it (an `attach`, or the `merge_in` that carried it over).
    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # report|handling|verification|agreement
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(200))  # as sent, for display only: never a path
    # From the photo's EXIF, the only metadata kept: when and where it was taken, and how far from the case.
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))
    # Carried over from a merged duplicate: the attachment it copies.
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
