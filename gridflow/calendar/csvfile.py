"""A calendar CSV file: one override a line (`date,kind,name`), checked whole before anything is stored.

Each line goes through the same schema as one override sent to the API (`OverrideInput`); a file with
any bad line is refused with every bad line named by its number.  Offices copy the State Council's
announcement, so `休` and `班` stand for holiday and workday; Excel's UTF-8 (with its byte-order mark)
and GB 18030 (Excel on Chinese Windows) files are read as such.
"""

from __future__ import annotations

import csv
import io

from gridflow.errors import N_, Invalid
from gridflow.schemas.calendar import OverrideInput
from gridflow.schemas.parse import parse_data

HEADER = ("date", "kind", "name")
KIND_WORDS = {"休": "holiday", "班": "workday"}
MAX_ERRORS = 50  # named in the answer; the count says how many more


class BadLines(Invalid):
    """A file refused for its bad lines.  The API names each line in English (`lines`: [{line,
    message}], and the message); `problems` keeps each line's own error, for pages to translate."""

    def __init__(self, problems: list[tuple[int, Invalid]]):
        shown = problems[:MAX_ERRORS]
        listed = "; ".join(f"line {line}: {problem.message}" for line, problem in shown)
        more = f" (and {len(problems) - MAX_ERRORS} more)" if len(problems) > MAX_ERRORS else ""
        super().__init__(
            f"{len(problems)} bad line(s), nothing imported: {listed}{more}",
            field="csv",
            lines=[{"line": line, "message": problem.message} for line, problem in shown],
        )
        self.template, self.params = N_("%(num)d bad line(s), nothing imported"), {"num": len(problems)}
        self.problems = shown


def decode(raw: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without Excel's byte-order mark), else GB 18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise Invalid(N_("the file is neither UTF-8 nor GB 18030 text"), field="csv") from None


def parse_overrides(text: str) -> list[OverrideInput]:
    """Every override of the file, or BadLines naming each bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    found: list[OverrideInput] = []
    errors: list[tuple[int, Invalid]] = []
    first_line_of: dict = {}
    first = True
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if first and cells[0].lower() == HEADER[0]:  # a header line
                first = False
                continue
            first = False
            problem, override = _row(cells)
            if override is not None and override.date in first_line_of:
                problem = Invalid(
                    N_("%(day)s is on line %(line)d already"),
                    field="date",
                    params={"day": override.date.isoformat(), "line": first_line_of[override.date]},
                )
            if problem:
                errors.append((line, problem))
                continue
            assert override is not None
            first_line_of[override.date] = line
            found.append(override)
    except csv.Error as exc:
        errors.append((reader.line_num, Invalid(N_("not CSV: %(reason)s"), params={"reason": str(exc)})))
    if errors:
        raise BadLines(errors)
    if not found:
        raise Invalid(N_("the file holds no overrides (date,kind,name a line)"), field="csv")
    return found


def _row(cells: list[str]) -> tuple[Invalid | None, OverrideInput | None]:
    if len(cells) < 2 or len(cells) > 3:
        return Invalid(
            N_("expected date,kind,name (the name may be left out), found %(num)d field(s)"), params={"num": len(cells)}
        ), None
    values = dict(zip(HEADER, cells))
    values["kind"] = KIND_WORDS.get(values["kind"], values["kind"].lower())
    try:
        return None, parse_data(OverrideInput, values, strict=False)
    except Invalid as exc:
        return exc, None
