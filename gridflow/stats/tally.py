"""The figures' running totals (`case_tally`): the counts of every case whose figures no longer depend
on the clock, added up per community, report month, level and state, kept ±1 in the transaction of
each event that changes a case's facts.

A city's figures are then a few thousand tally rows plus the cases that are still running (`LIVE`:
whether they are overdue, or due, depends on when one asks), instead of a scan of every case.  The
definitions here are the ones `gridflow.stats.query` counts with SQL over `case_facts`; a test holds
the two to each other, and another compares the answers with a recount of every timeline.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.models import CaseFacts, CaseTally
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


def key_of(f: Mapping[str, Any]) -> tuple:
    return tuple(f[k] for k in KEY)


def row_of(f: Mapping[str, Any]) -> dict[str, Any] | None:
    """A case's whole tally row as it adds to it (key, divisions and counts), None for a live case."""
    counts = counts_of(f)
    return None if counts is None else {c: f[c] for c in (*KEY, *CARRIED)} | counts


def change(conn: Connection, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Move a case's counts from its tally row before an event to its row after it (either may be
    none: a live case, or a case not yet stored).  Rows are touched in key order, so two transactions
    never wait for each other's rows crosswise."""
    deltas: dict[tuple, dict[str, Any]] = {}
    for facts, sign in ((before, -1), (after, 1)):
        row = row_of(facts) if facts is not None else None
        if row is None:
            continue
        kept = deltas.setdefault(key_of(row), {c: row[c] for c in (*KEY, *CARRIED)} | dict.fromkeys(COUNTERS, 0))
        for c in COUNTERS:
            kept[c] += sign * row[c]
    for key in sorted(deltas, key=repr):
        if any(deltas[key][c] for c in COUNTERS):
            conn.execute(upsert(conn.dialect.name), deltas[key])


def upsert(dialect_name: str) -> Any:
    """Add a row's counts to its tally row, creating it at them when missing (one statement: two
    concurrent events of one community and month never both insert)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(_TALLY).values({c: bindparam(c, type_=_TALLY.c[c].type) for c in (*KEY, *CARRIED, *COUNTERS)})
    return stmt.on_conflict_do_update(
        index_elements=[_TALLY.c[k] for k in KEY],
        set_={c: _TALLY.c[c] + stmt.excluded[c] for c in COUNTERS},
    )


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
    "levels_reached",
    "top_level",
    *ESCALATED.values(),
)


def refill(conn: Connection, batch: int = 20_000) -> int:
    """The tally afresh from every case's facts (after a backfill, or a bulk load); returns the
    number of tally rows."""
    conn.execute(delete(_TALLY))
    totals: dict[tuple, dict[str, Any]] = {}
    last = None
    while True:
        stmt = select(*(_FACTS.c[n] for n in _READ)).order_by(_FACTS.c.case_id).limit(batch)
        if last is not None:
            stmt = stmt.where(_FACTS.c.case_id > last)
        rows = list(conn.execute(stmt.where(_FACTS.c.state.not_in(LIVE))).mappings())
        if not rows:
            break
        _fold(totals, rows)
        last = rows[-1]["case_id"]
    for start in range(0, len(totals), batch):
        chunk = list(totals.items())[start : start + batch]
        conn.execute(_TALLY.insert(), [dict(zip(KEY, k)) | v for k, v in chunk])
    return len(totals)


def _fold(totals: dict[tuple, dict[str, Any]], rows: Iterable[Any]) -> None:
    for f in rows:
        row = row_of(f)
        if row is None:
            continue
        kept = totals.setdefault(key_of(row), {c: row[c] for c in CARRIED} | dict.fromkeys(COUNTERS, 0))
        for c in COUNTERS:
            kept[c] += row[c]
