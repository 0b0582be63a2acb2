"""The figures' running totals (`case_tally`): the counts of every case whose figures no longer depend
on the clock, added up per community, report month, level and state, kept ±1 in the transaction of
each event that changes a case's facts; beside them (`case_hours`) the settled cases per county,
month, level and handling time in whole hours, for the medians.

A city's figures are then a few thousand tally rows plus the cases that are still running (`LIVE`:
whether they are overdue, or due, depends on when one asks), instead of a scan of every case.  The
definitions here are the ones `gridflow.stats.query` counts with SQL over `case_facts`; a test holds
the two to each other, and another compares the answers with a recount of every timeline.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.models import CaseFacts, CaseHours, CaseTally
from gridflow.stats.facts import ESCALATED, LEVEL_INDEX, level_bit
from gridflow.workflow.table import ACTIVE

# Open, handling or resolved: the states whose figures depend on the time of the question (overdue
# now, due by the period's end); these cases are counted from `case_facts` when asked.
LIVE = ("open", "handling", "resolved")
assert set(ACTIVE) <= set(LIVE)

KEY = ("community_id", "report_month", "level", "state")
CARRIED = ("street_id", "county_id", "city_id")  # follow from the community (as it was when reported)
COUNTERS = [
    "reported",
    "filed",
    "closed",
    "on_time",
    "ever_overdue",
    "reworked",
    "extended",
    "disputes_closed",
    "satisfied",
    "satisfaction_told",
    "hours_n",
    "hours_sum",
    "days_sum",
    *(f"handled_{lvl}" for lvl in LEVELS_BOTTOM_UP),
    *(f"escalated_{lvl}" for lvl in ESCALATED),
    *(f"settled_{lvl}" for lvl in LEVELS_BOTTOM_UP),
]

_TALLY = typing.cast(Table, CaseTally.__table__)


def counts_of(f: Mapping[str, Any]) -> dict[str, Any] | None:
    """What one case adds to its tally row (None: a live case, not tallied).  Outside `LIVE` no case
    is overdue now or due-but-open, so only what is fixed by its history counts."""
    if f["state"] in LIVE:
        return None
    closed = f["state"] == "closed"
    dispute_closed = closed and f["kind"] == "dispute"
    hours = f["handling_hours"]
    out: dict[str, Any] = {
        "reported": 1,
        "filed": int(f["filed_at"] is not None),
        "closed": int(closed),
        "on_time": int(closed and not f["ever_overdue"]),
        "ever_overdue": int(bool(f["ever_overdue"])),
        "reworked": int(closed and bool(f["reworked"])),
        "extended": int(closed and bool(f["extended"])),
        "disputes_closed": int(dispute_closed),
        "satisfied": int(f["satisfied"] is True),
        "satisfaction_told": int(f["satisfied"] is not None),
        "hours_n": int(hours is not None),
        "hours_sum": hours or 0.0,
        "days_sum": f["handling_days"] or 0.0,
    }
    for lvl in LEVELS_BOTTOM_UP:
        out[f"handled_{lvl}"] = int(f["levels_reached"] & level_bit(lvl) != 0)
        out[f"settled_{lvl}"] = int(dispute_closed and f["top_level"] <= LEVEL_INDEX[lvl])
    for lvl, column in ESCALATED.items():
        out[f"escalated_{lvl}"] = int(f[column] > 0)
    return out


def row_of(f: Mapping[str, Any]) -> dict[str, Any] | None:
    """A case's whole tally row as it adds to it (key, divisions and counts), None for a live case."""
    counts = counts_of(f)
    return None if counts is None else {c: f[c] for c in (*KEY, *CARRIED)} | counts


def hours_row_of(f: Mapping[str, Any]) -> dict[str, Any] | None:
    """A settled case's row in `case_hours` (its handling time in whole hours), None if it has none."""
    if f["state"] in LIVE or f["handling_hour"] is None:
        return None
    return {"county_id": f["county_id"], "report_month": f["report_month"], "level": f["level"]} | {
        "hour": f["handling_hour"],
        "city_id": f["city_id"],
        "cases": 1,
    }


@dataclass(frozen=True)
class Kept:
    """A table of counts kept with the events: its key, what follows from the key, what adds up, and
    a case's row in it."""

    table: Table
    key: tuple[str, ...]
    carried: tuple[str, ...]
    counters: tuple[str, ...]
    row: Callable[[Any], dict[str, Any] | None]  # from a mapping of the facts

    @lru_cache(maxsize=8)  # noqa: B019 - the two KEPT tables live as long as the process
    def upsert(self, dialect_name: str) -> Any:
        """Add a row's counts to its kept row, creating it at them when missing (one statement: two
        concurrent events never both insert it); built once per table and dialect."""
        dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
        columns = (*self.key, *self.carried, *self.counters)
        stmt = dialect.insert(self.table).values({c: bindparam(c, type_=self.table.c[c].type) for c in columns})
        return stmt.on_conflict_do_update(
            index_elements=[self.table.c[k] for k in self.key],
            set_={c: self.table.c[c] + stmt.excluded[c] for c in self.counters},
        )

    def fold(self, totals: dict[tuple, dict[str, Any]], f: Any, sign: int = 1) -> None:
        """Add (or, sign -1, take away) a case's counts in `totals` (key -> row)."""
        row = self.row(f)
        if row is None:
            return
        kept = totals.setdefault(
            tuple(row[k] for k in self.key),
            {c: row[c] for c in (*self.key, *self.carried)} | dict.fromkeys(self.counters, 0),
        )
        for c in self.counters:
            kept[c] += sign * row[c]


TALLY = Kept(_TALLY, KEY, CARRIED, tuple(COUNTERS), row_of)
HOURS = Kept(
    typing.cast(Table, CaseHours.__table__),
    ("county_id", "report_month", "level", "hour"),
    ("city_id",),
    ("cases",),
    hours_row_of,
)
KEPT = (TALLY, HOURS)


def change(conn: Connection, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Move a case's counts from its kept rows before an event to its rows after it (either may be
    none: a live case, or a case not yet stored).  Rows are touched in one order (table, key), so two
    transactions never wait for each other's rows crosswise."""
    for kept in KEPT:
        deltas: dict[tuple, dict[str, Any]] = {}
        for facts, sign in ((before, -1), (after, 1)):
            if facts is not None:
                kept.fold(deltas, facts, sign)
        for key in sorted(deltas, key=repr):
            if any(deltas[key][c] for c in kept.counters):
                conn.execute(kept.upsert(conn.dialect.name), deltas[key])


_FACTS = typing.cast(Table, CaseFacts.__table__)
# Only the facts the counts read: the refill runs inside a migration, where later columns may not exist yet.
_READ = (
    "case_id",
    *KEY,
    *CARRIED,
    "kind",
    "filed_at",
    "ever_overdue",
    "reworked",
    "extended",
    "satisfied",
    "handling_hours",
    "handling_days",
    "handling_hour",
    "levels_reached",
    "top_level",
    *ESCALATED.values(),
)


def refill(conn: Connection, batch: int = 20_000) -> int:
    """The kept counts afresh from every case's facts (after a backfill, or a bulk load); returns the
    number of tally rows."""
    totals: dict[Kept, dict[tuple, dict[str, Any]]] = {kept: {} for kept in KEPT}
    last = None
    while True:
        stmt = select(*(_FACTS.c[n] for n in _READ)).where(_FACTS.c.state.not_in(LIVE))
        if last is not None:
            stmt = stmt.where(_FACTS.c.case_id > last)
        rows = list(conn.execute(stmt.order_by(_FACTS.c.case_id).limit(batch)).mappings())
        if not rows:
            break
        for f in rows:
            for kept in KEPT:
                kept.fold(totals[kept], f)
        last = rows[-1]["case_id"]
    for kept, rows_by_key in totals.items():
        conn.execute(delete(kept.table))
        values = list(rows_by_key.values())
        for start in range(0, len(values), batch):
            conn.execute(kept.table.insert(), values[start : start + batch])
    return len(totals[TALLY])
