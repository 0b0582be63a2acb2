"""Counting the figures for an area and a period.  The counts: the tally of settled cases
(`gridflow.stats.tally`) plus the running cases' facts, or, for what the tally does not keep (a
community's grids, categories, duties, workers), every case's facts.  The medians: from the handling
hours kept per county and month, or from the area's cases' facts (`median_of` either way)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP, LEVELS_TOP_DOWN
from gridflow.clock import CST, utcnow
from gridflow.db import Database
from gridflow.errors import Forbidden, NotFound, UnknownParameter
from gridflow.models import CaseFacts, CaseHours, CaseTally, Division, Grid, Worker
from gridflow.models.stats import LIVE_SQL
from gridflow.schemas.stats import GROUPS, DivisionName, Figures, Stats, StatsGroup
from gridflow.stats import tally
from gridflow.stats.facts import ESCALATED, LEVEL_INDEX, level_bit
from gridflow.stats.figures import COUNT_NAMES, Counts, add, figures, median_of
from gridflow.workflow.rules import ADMIN, MEDIATOR, SUPERVISOR, SYSTEM, Actor
from gridflow.workflow.table import ACTIVE

F, T, H = CaseFacts, CaseTally, CaseHours
# The level below each division's, whose divisions (grids below a community) a `division` group names.
CHILD = {"city": "county", "county": "street", "street": "community", "community": "grid"}
UNFINISHED_BUT_DUE = ("open", "handling", "resolved")


@dataclass(frozen=True)
class Question:
    division: str | None = None
    from_: date | None = None
    to: date | None = None
    group_by: str | None = None


def parse_groups(group_by: str | None) -> list[str]:
    """`level`, `division`, … or two joined by a comma; anything else is a 400 naming group_by."""
    if not group_by:
        return []
    names = [n.strip() for n in group_by.split(",")]
    bad = [n for n in names if n not in GROUPS]
    if bad or len(names) > 2 or len(set(names)) != len(names):
        raise UnknownParameter(
            f"group_by takes one of {', '.join(GROUPS)}, or two of them joined by a comma (got {group_by!r})",
            field="group_by",
        )
    return names


def _sum(condition) -> Any:
    return func.count().filter(condition)  # FILTER: both back ends; cheaper than SUM(CASE …)


# Counted only of closed cases: nought for the running ones, whose statement leaves them out.
OF_CLOSED = {"closed", "on_time", "reworked", "extended", "disputes_closed"} | {
    f"settled_{lvl}" for lvl in LEVELS_BOTTOM_UP
}


def _aggregates(now: datetime, due_by: datetime, running: bool = False) -> list:
    """The counts over `case_facts` rows (the same definitions as `tally.counts_of`, plus what depends
    on the time of the question: overdue now, due by the period's end); `running`: of running cases
    only (`tally.LIVE`, never closed), without the counts of closed cases."""
    closed = F.state == "closed"
    active = F.state.in_(ACTIVE)
    overdue = and_(active, F.deadline < now)
    dispute_closed = and_(closed, F.kind == "dispute")
    cols = [
        func.count().label("reported"),
        _sum(F.filed_at.is_not(None)).label("filed"),
        _sum(closed).label("closed"),
        _sum(and_(F.state.in_(UNFINISHED_BUT_DUE), F.first_deadline < due_by)).label("open_due"),
        _sum(and_(closed, F.ever_overdue.is_(False))).label("on_time"),
        _sum(overdue).label("overdue_now"),
        _sum(or_(F.ever_overdue.is_(True), overdue)).label("ever_overdue"),
        _sum(and_(closed, F.reworked.is_(True))).label("reworked"),
        _sum(and_(closed, F.extended.is_(True))).label("extended"),
        _sum(dispute_closed).label("disputes_closed"),
        _sum(F.satisfied.is_(True)).label("satisfied"),
        _sum(F.satisfied.is_not(None)).label("satisfaction_told"),
        _sum(F.handling_hours.is_not(None)).label("hours_n"),
        func.coalesce(func.sum(F.handling_hours), 0.0).label("hours_sum"),
        func.coalesce(func.sum(F.handling_days), 0.0).label("days_sum"),
    ]
    for lvl in LEVELS_BOTTOM_UP:
        cols.append(_sum(F.levels_reached.op("&")(level_bit(lvl)) != 0).label(f"handled_{lvl}"))
        cols.append(_sum(and_(dispute_closed, F.top_level <= LEVEL_INDEX[lvl])).label(f"settled_{lvl}"))
        if lvl in ESCALATED:
            cols.append(_sum(getattr(F, ESCALATED[lvl]) > 0).label(f"escalated_{lvl}"))
    return [c for c in cols if not (running and c.name in OF_CLOSED)]


_TALLY_SUMS = [func.coalesce(func.sum(getattr(T, c)), 0).label(c) for c in tally.COUNTERS]
_BY_LEVEL = ("handled", "escalated", "settled")
_FLOATS = ("hours_sum", "days_sum")


def _counts(row: Any) -> Counts:
    """A result row's counts (a tally's sums or a scan's counts; what a row lacks is 0)."""
    m = row._mapping
    values: dict[str, Any] = {
        n: (float(m[n]) if n in _FLOATS else int(m[n]))
        for n in COUNT_NAMES
        if n in m and n not in _BY_LEVEL and not n.endswith("_median")
    }
    return Counts(
        **values,
        handled={lvl: int(m.get(f"handled_{lvl}", 0)) for lvl in LEVELS_BOTTOM_UP},
        escalated={lvl: int(m.get(f"escalated_{lvl}", 0)) for lvl in ESCALATED},
        settled={lvl: int(m.get(f"settled_{lvl}", 0)) for lvl in LEVELS_BOTTOM_UP},
    )


def _in_area(s: Session, actor: Actor, division: Division) -> bool:
    if actor.role in (ADMIN, SYSTEM):
        return True
    node: Division | None = division
    while node is not None:
        if node.id == actor.division_id:
            return True
        node = s.get(Division, node.parent_id) if node.parent_id else None
    return False


def scope(s: Session, actor: Actor, code: str | None) -> Division:
    """The division asked about: the caller's own by default (an admin's: the city); outside his area
    it does not exist for him (404).  Figures are for mediators, supervisors and administrators."""
    if actor.role not in (ADMIN, SYSTEM, SUPERVISOR, MEDIATOR):
        raise Forbidden("the figures are for mediators, supervisors and administrators")
    if code is None:
        division = (
            s.get(Division, actor.division_id)
            if actor.division_id
            else s.scalars(select(Division).where(Division.level == LEVELS_TOP_DOWN[0]).order_by(Division.code)).first()
        )
    else:
        division = s.scalars(select(Division).where(Division.code == code)).first()
    if division is None or not _in_area(s, actor, division):
        raise NotFound("no such division", field="division")
    return division


def _period(q: Question, now: datetime) -> tuple[list, datetime]:
    """The conditions on report dates, and when the period ends for `due` (its last day's end, or now)."""
    conditions = []
    if q.from_ is not None:
        conditions.append(F.reported_on >= q.from_)
    if q.to is not None:
        conditions.append(F.reported_on <= q.to)
        end = datetime.combine(q.to + timedelta(days=1), time(), CST).astimezone(UTC).replace(tzinfo=None)
        return conditions, min(end, now)
    return conditions, now


def _months(q: Question) -> tuple[list, list]:
    """The period in months: the conditions on a kept table's `report_month` for the whole months it
    covers, and those on `case_facts` for the months it covers only in part (`from` after a month's
    first day, `to` before its last), which the kept tables cannot cut."""
    whole: list = []
    part: list[int] = []
    if q.from_ is not None:
        if q.from_.day != 1:
            part.append(q.from_.year * 100 + q.from_.month)
            first = (q.from_.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            first = q.from_
        whole.append(first.year * 100 + first.month)
    else:
        whole.append(None)
    if q.to is not None:
        if (q.to + timedelta(days=1)).day != 1:
            part.append(q.to.year * 100 + q.to.month)
            last = q.to.replace(day=1) - timedelta(days=1)
        else:
            last = q.to
        whole.append(last.year * 100 + last.month)
    else:
        whole.append(None)
    return whole, [F.report_month.in_(sorted(set(part)))] if part else []


def _kept_months(table: Any, whole: list) -> list:
    lo, hi = whole
    return [
        *([table.report_month >= lo] if lo is not None else []),
        *([table.report_month <= hi] if hi is not None else []),
    ]


def _ancestry(s: Session, division: Division) -> dict[str, int]:
    """The division's id and its ancestors', by level (every level's column is stored with a case,
    so the conditions on all of them lead the indexes that start with the city)."""
    ids: dict[str, int] = {}
    node: Division | None = division
    while node is not None:
        ids[node.level] = node.id
        node = s.get(Division, node.parent_id) if node.parent_id else None
    return ids


def _inside(table: Any, ids: dict[str, int]) -> list:
    return [getattr(table, f"{level}_id") == i for level, i in ids.items()]


def _column(table: Any, name: str, division: Division) -> Any:
    if name == "division":
        return getattr(table, f"{CHILD[division.level]}_id")
    return getattr(table, {"worker": "worker_id", "month": "report_month"}.get(name, name))


# Groups the tally answers (it keeps communities, months, levels and states); a community's grids,
# categories, duties and workers are counted from the cases' facts.
TALLIED = {"division", "month", "level", "state"}


def tally_answers(groups: list[str], division: Division) -> bool:
    return set(groups) <= TALLIED and not ("division" in groups and CHILD[division.level] == "grid")


def _grouped(
    table: Any, groups: list[str], division: Division, columns: list, where: list, extra: tuple | list = ()
) -> Any:
    keys = [_column(table, g, division).label(f"key_{g}") for g in groups]
    return select(*keys, *extra, *columns).where(*where).group_by(*keys, *extra)


def _statements(
    q: Question,
    division: Division,
    ids: dict[str, int],
    groups: list[str],
    facts: tuple[list, list, list, list | None],
    kept: tuple[Any, list, list] | None,
) -> list:
    """The grouped statements that together count a question: `facts` (columns, conditions, extra
    keys, and the columns of running cases, None: they count nothing) over `case_facts`; with `kept` (table, columns, extra
    keys), that table for the whole months, and `case_facts` only for the cases it does not keep (the
    months the period covers in part, the running cases)."""
    columns, conditions, extra, running = facts

    def of_facts(where: list, columns: list = columns) -> Any:
        return _grouped(F, groups, division, columns, [*_inside(F, ids), *conditions, *where], extra)

    if kept is None:
        return [of_facts([])]
    table, kept_columns, kept_extra = kept
    whole, part = _months(q)
    where = [*_inside(table, ids), *_kept_months(table, whole)]
    statements = [_grouped(table, groups, division, kept_columns, where, kept_extra)]
    if part:
        statements.append(of_facts([F.state.not_in(tally.LIVE), *part]))
    return [*statements, of_facts([LIVE_SQL], running)] if running is not None else statements


def _count(s: Session, division: Division, q: Question, groups: list[str], now: datetime) -> dict[tuple, Counts]:
    """The counts of the cases reported in the period inside `division`, per group (a tuple of the
    groups' keys): from the tally where it can answer, plus the cases it does not keep, else from
    every case's facts."""
    ids = _ancestry(s, division)
    conditions, due_by = _period(q, now)
    kept: tuple[Any, list, list] | None = (T, _TALLY_SUMS, []) if tally_answers(groups, division) else None
    out: dict[tuple, Counts] = {}
    facts: tuple[list, list, list, list] = (
        _aggregates(now, due_by),
        conditions,
        [],
        _aggregates(now, due_by, running=True),
    )
    for stmt in _statements(q, division, ids, groups, facts, kept):
        for r in s.execute(stmt):
            add(out.setdefault(tuple(r._mapping[f"key_{g}"] for g in groups), _empty()), _counts(r))
    return out


def hours_answer(groups: list[str], ids: dict[str, int]) -> bool:
    """Whether `case_hours` (per county, month and level) can give the medians asked."""
    allowed = {"month", "level"} | ({"division"} if set(ids) == {LEVELS_TOP_DOWN[0]} else set())
    return set(ids) <= set(LEVELS_TOP_DOWN[:2]) and set(groups) <= allowed


def _medians(s: Session, division: Division, q: Question, groups: list[str], now: datetime) -> dict[tuple, Any]:
    """The median handling time (in whole office hours) per group, over the closed cases: from the
    hours kept per county and month where they answer (plus the cases they do not keep), else from
    the cases' facts (an index-only read of the area's handling hours)."""
    ids = _ancestry(s, division)
    conditions, _ = _period(q, now)
    # A running case has no handling time: it is set when a case is closed, and nothing leaves `closed`.
    counted: list = [func.count().label("cases")]
    facts = (counted, [*conditions, F.handling_hour.is_not(None)], [F.handling_hour.label("hour")], None)
    kept: tuple[Any, list, list] | None = None
    if hours_answer(groups, ids):
        kept = (H, [func.sum(H.cases).label("cases")], [H.hour.label("hour")])
    hours: dict[tuple, dict[int, int]] = {}
    for stmt in _statements(q, division, ids, groups, facts, kept):
        for r in s.execute(stmt):
            spread = hours.setdefault(tuple(r._mapping[f"key_{g}"] for g in groups), {})
            spread[r.hour] = spread.get(r.hour, 0) + int(r.cases)
    return {key: median_of(spread) for key, spread in hours.items()}


def _with_median(c: Counts, hours_median: float | None) -> Counts:
    """In working days the median is the same case's time: the hours scaled by the office day, read
    off the sums (exact while the office hours stay as they are)."""
    c.hours_median = None if hours_median is None else float(hours_median)
    if c.hours_median is not None and c.hours_sum:
        c.days_median = c.hours_median * c.days_sum / c.hours_sum
    else:
        c.days_median = 0.0 if c.hours_median == 0 else None
    return c


def _in_order(keys: Any) -> list:
    return sorted(keys, key=lambda k: tuple((v is None, v) for v in k))


def stats(db: Database, actor: Actor, q: Question, now: datetime | None = None) -> Stats:
    """The figures of the cases reported in the period inside `q.division`, in total and per group."""
    groups = parse_groups(q.group_by)
    now = now or utcnow()
    with db.session() as s:
        division = scope(s, actor, q.division)
        counted = _count(s, division, q, groups, now)
        totals = _empty()
        for c in counted.values():
            add(totals, c)
        _with_median(totals, _medians(s, division, q, [], now).get(()))
        rows: list[tuple[dict, Counts]] = []
        if groups:
            medians = _medians(s, division, q, groups, now)
            names = _key_names(s, groups, division, counted)
            for k in _in_order(counted):
                key = {g: names[g].get(v, v) for g, v in zip(groups, k)}
                rows.append((key, _with_median(counted[k], medians.get(k))))
        return Stats(
            division=DivisionName(code=division.code, name=division.name, level=division.level),
            **{"from": q.from_},
            to=q.to,
            group_by=groups,
            totals=Figures(**figures(totals)),
            groups=[StatsGroup(key=key, **figures(c)) for key, c in rows],
        )


def _key_names(s: Session, groups: list[str], division: Division, keys: Any) -> dict[str, dict]:
    """How each group's key is shown: divisions and grids by code and name, workers by staff number
    and name, months as YYYY-MM."""
    names: dict[str, dict] = {}
    for i, g in enumerate(groups):
        values = {k[i] for k in keys} - {None}
        if g == "division" and CHILD[division.level] == "grid":
            names[g] = {
                i: {"code": c, "name": n, "level": "grid"}
                for i, c, n in s.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(values)))
            }
        elif g == "division":
            names[g] = {
                i: {"code": c, "name": n, "level": lv}
                for i, c, n, lv in s.execute(
                    select(Division.id, Division.code, Division.name, Division.level).where(Division.id.in_(values))
                )
            }
        elif g == "worker":
            names[g] = {
                i: {"id": i, "staff_no": c, "name": n}
                for i, c, n in s.execute(select(Worker.id, Worker.staff_no, Worker.name).where(Worker.id.in_(values)))
            }
        elif g == "month":
            names[g] = {v: f"{v // 100:04d}-{v % 100:02d}" for v in values}
        else:
            names[g] = {}
    return names


@dataclass
class Breakdown:
    """The counts for a dashboard: by the division's children, by report month, by the cases'
    current level and state, and in total (no medians: they do not add up)."""

    division: Division
    children: dict[Any, Counts]  # child division (or grid) id -> counts
    child_names: dict[Any, dict]
    months: dict[str, Counts]
    levels: dict[str, Counts]
    states: dict[str, int]
    totals: Counts
    overdue: list = field(default_factory=list)  # the longest overdue now (see `_overdue`)
    supervised_count: int = 0  # under supervision now, and the first of them (see `_supervised`)
    supervised: list = field(default_factory=list)


BREAKDOWN = ["division", "month", "level", "state"]


def breakdown(db: Database, actor: Actor, q: Question, now: datetime | None = None) -> Breakdown:
    now = now or utcnow()
    with db.session() as s:
        division = scope(s, actor, q.division)
        counted = _count(s, division, q, BREAKDOWN, now)
        names = _key_names(s, ["division"], division, counted)["division"]
        out = Breakdown(division, {}, names, {}, {}, {}, _empty())
        for (child, month_key, level, state), c in counted.items():
            month = f"{month_key // 100:04d}-{month_key % 100:02d}"
            for bucket, key in ((out.children, child), (out.months, month), (out.levels, level)):
                add(bucket.setdefault(key, _empty()), c)
            out.states[state] = out.states.get(state, 0) + c.reported
            add(out.totals, c)
        out.months = dict(sorted(out.months.items()))
        out.overdue = _overdue(s, division, now)
        out.supervised_count, out.supervised = _supervised(s, division)
        return out


def _empty() -> Counts:
    return Counts(handled={}, escalated={}, settled={})


def _overdue(s: Session, division: Division, now: datetime, limit: int = 10) -> list:
    """The cases of the division past their deadline now, longest overdue first: (id, number, level,
    state, deadline, category)."""
    from gridflow.models import Case
    from gridflow.models.cases import ACTIVE_SQL

    stmt = (
        select(Case.id, Case.number, Case.level, Case.state, Case.deadline, Case.category)
        .where(ACTIVE_SQL, Case.deadline < now, getattr(Case, f"{division.level}_id") == division.id)
        .order_by(Case.deadline)
        .limit(limit)
    )
    return list(s.execute(stmt))


def _supervised(s: Session, division: Division, limit: int = 10) -> tuple[int, list]:
    """The open cases of the division under supervision (督办) now, soonest due first: how many, and
    the first `limit` (id, number, level, state, supervised_level, supervised_due)."""
    from gridflow.models import Case
    from gridflow.models.cases import ACTIVE_SQL, SUPERVISED_SQL

    where = (ACTIVE_SQL, SUPERVISED_SQL, getattr(Case, f"{division.level}_id") == division.id)
    count = s.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    stmt = (
        select(Case.id, Case.number, Case.level, Case.state, Case.supervised_level, Case.supervised_due)
        .where(*where)
        .order_by(Case.supervised_due, Case.id)
        .limit(limit)
    )
    return count, list(s.execute(stmt))
