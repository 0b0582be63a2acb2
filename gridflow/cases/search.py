"""Finding cases by their words: `q` is any substring of two or more characters of a case's
description or address, Chinese included (no word splitting: Chinese has no spaces).

- Three or more characters: answered by the back end's substring index.  SQLite: an FTS5 table with
  the `trigram` tokenizer (`case_search`, external content over `case_file`, kept by triggers; see
  migration 0019), asked for the text as one phrase, which is a substring match.  PostgreSQL: `ILIKE`
  over GIN indexes with `pg_trgm`'s operator class (`ix_case_trgm_*`).  Both ignore letter case.
- Two characters: no trigram index can answer them, so they are looked for by a bounded scan: the
  newest `SHORT_SCAN_ROWS` cases (a range of the primary key), those of the caller's area among
  them, and the answer says when older cases were not looked at (`partial`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, Select, and_, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from gridflow.models import Case

TRIGRAM = 3  # the shortest text a trigram index can find
SHORT_SCAN_ROWS = 50_000  # how many of the newest cases in the area a two-character search reads

_FTS = table("case_search")


def _like_pattern(q: str) -> str:
    """`%q%` with LIKE's own characters taken literally (escape character: backslash)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def indexed_match(dialect: str, q: str) -> ColumnElement[bool]:
    """`q` (three or more characters) in the description or the address, through the substring index."""
    if dialect == "sqlite":
        phrase = '"' + q.replace('"', '""') + '"'  # one FTS5 phrase: its trigrams in a row
        match = literal_column("case_search").op("MATCH")(phrase)
        hits: Select[int] = select(literal_column("rowid", Integer)).select_from(_FTS).where(match)
        return Case.id.in_(hits)
    pattern = _like_pattern(q)
    return or_(Case.description.ilike(pattern, escape="\\"), Case.address.ilike(pattern, escape="\\"))


def scanned_match(q: str) -> ColumnElement[bool]:
    """`q` in the description or the address, read row by row (the rows must be bounded elsewhere)."""
    return or_(Case.description.icontains(q, autoescape=True), Case.address.icontains(q, autoescape=True))


def words_in_queue(dialect: str, q: str) -> ColumnElement[bool]:
    """`q` in the description or the address of a work queue's cases (rows already bounded: a scan
    of them is fine for two characters)."""
    return indexed_match(dialect, q) if len(q) >= TRIGRAM else scanned_match(q)


def words_condition(s: Session, q: str) -> tuple[ColumnElement[bool], bool]:
    """(the SQL condition for `q`, whether older cases were left unread).  A short text reads only
    the newest `SHORT_SCAN_ROWS` cases of the table (a range of the primary key: ids grow with
    report time), of which the caller's area conditions keep his own."""
    if len(q) >= TRIGRAM:
        return indexed_match(s.get_bind().dialect.name, q), False
    bound = (s.scalar(select(func.max(Case.id))) or 0) - SHORT_SCAN_ROWS
    return and_(Case.id > bound, scanned_match(q)), bound > 0
