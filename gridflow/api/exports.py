"""Case exports as HTTP answers (the API's cases.xlsx and cases.csv, and the desk's Export link):
the file named for the day, the workbook sent from its temporary file, the CSV streamed as read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from flask import Response, current_app, stream_with_context

from gridflow.cases import export
from gridflow.clock import local_date, utcnow
from gridflow.db import get_db
from gridflow.schemas.cases import CaseExport
from gridflow.web.labels import export_labels
from gridflow.workflow.rules import Actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


def _download(response: Response, suffix: str) -> Response:
    name = f"cases-{local_date(utcnow()):%Y%m%d}.{suffix}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # personal data may be in it: never kept on the way
    return response


def _blocks(file: IO[bytes]) -> Iterator[bytes]:
    with file:
        yield from iter(lambda: file.read(64 * 1024), b"")


def xlsx_response(actor: Actor, query: CaseExport) -> Response:
    labels = export_labels(query.lang)
    rows = export.case_rows(get_db(), actor, query, labels)
    workbook = export.write_xlsx(rows, labels.headers, labels.sheet)
    # The temporary file is read in blocks and closed (so deleted) once read, or when the answer ends.
    response = current_app.response_class(_blocks(workbook), mimetype=XLSX)
    response.call_on_close(workbook.close)
    return _download(response, "xlsx")


def csv_response(actor: Actor, query: CaseExport) -> Response:
    labels = export_labels(query.lang)
    rows = export.case_rows(get_db(), actor, query, labels)
    body = stream_with_context(export.write_csv(rows, labels.headers))
    return _download(current_app.response_class(body, content_type=f"{CSV}; charset=utf-8"), "csv")
