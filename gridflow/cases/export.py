"""Exports of the case search (cases.xlsx, cases.csv): one header row, then one row per matching case,
read from the database in batches and written as they come, so that 100 000 cases never sit in memory.

The rows carry codes; the caller's `Labels` names them in the file's language (headers, kinds,
states, levels).  No party's personal data is exported: the assignee (a member of staff) is the only
person named, as the case list shows him.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases.lists import search_statement
from gridflow.cases.view import load_names
from gridflow.clock import iso_local, utcnow
from gridflow.db import Database
from gridflow.models import Case
from gridflow.schemas.cases import CaseFilters
from gridflow.workflow import table
from gridflow.workflow.rules import Actor

BATCH = 1000  # cases read (and names looked up) at a time

# The columns, in order (their headers: `Labels.headers`, see gridflow.web.labels.export_labels).
COLUMNS = (
    "number",
    "kind",
    "category",
    "grid",
    "divisions",
    "state",
    "level",
    "reported_at",
    "closed_at",
    "deadline",
    "overdue",
    "escalations",
    "assignee",
)


@dataclass(frozen=True)
class Labels:
    """How the file names things: `headers` in COLUMNS' order, `code(kind, code)` a domain code's
    name (kind: "kind", "state", "level"), `yes`/`no`, `sheet` the workbook's sheet."""

    headers: list[str]
    code: Callable[[str, str], str]
    yes: str
    no: str
    sheet: str


def case_rows(db: Database, actor: Actor, filters: CaseFilters, labels: Labels) -> Iterator[list]:
    """Every case the search finds, in its order, as the file's rows (values as text or numbers).
    The filters are checked at once (a bad one raises here, before a byte is sent); the rows are
    read while the iterator is consumed, in one unit of work held open until it ends."""
    now = utcnow()
    unit = ExitStack()
    s = unit.enter_context(db.streaming_session())
    try:
        stmt, _ = search_statement(s, actor, filters, now)
    except BaseException:
        unit.close()
        raise

    def rows() -> Iterator[list]:
        with unit:
            batch: list[Case] = []
            # yield_per: a server-side cursor on PostgreSQL, batches of ORM rows everywhere.
            for case in s.scalars(stmt.execution_options(yield_per=BATCH)):
                batch.append(case)
                if len(batch) == BATCH:  # the session's identity map holds them weakly: written, dropped
                    yield from _rows(s, db, batch, labels, now)
                    batch = []
            yield from _rows(s, db, batch, labels, now)

    return rows()


def _rows(s: Session, db: Database, cases: list[Case], labels: Labels, now: datetime) -> Iterator[list]:
    if not cases:
        return
    names = load_names(s, cases, db)
    for c in cases:
        category = names[("category", c.category, c.category_version)]
        grid = names.get(("grid", c.grid_id))
        divisions = [names.get(("division", getattr(c, f"{lvl}_id"))) for lvl in reversed(LEVELS_BOTTOM_UP)]
        active = c.state in table.ACTIVE
        overdue = bool(active and c.deadline and now > c.deadline)
        assignee = names.get(("user", c.assignee_id)) if c.assignee_id else None
        yield [
            c.number,
            labels.code("kind", c.kind),
            f"{c.category} {category.name}",
            grid["name"] if grid else "",
            " / ".join(d["name"] for d in divisions if d),
            labels.code("state", c.state),
            labels.code("level", c.level),
            iso_local(c.created_at),
            iso_local(c.closed_at) or "",
            (iso_local(c.deadline) or "") if active else "",
            labels.yes if overdue else labels.no,
            c.escalations,
            assignee["name"] if assignee else "",
        ]


def write_csv(rows: Iterator[list], headers: list[str]) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark (Excel then reads the Chinese right), one chunk of bytes
    per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterator[list], headers: list[str], title: str) -> IO[bytes]:
    """An Excel workbook (openpyxl's write-only mode: rows go to a temporary file as they come), as
    an open temporary file at its start (deleted when closed)."""
    from openpyxl import Workbook  # only exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(out)
    out.seek(0)
    return out
