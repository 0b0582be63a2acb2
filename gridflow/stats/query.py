"""Counting the figures for an area and a period: one scan of `case_facts` per answer (the totals),
and one more grouped (`group_by`).  Medians: PostgreSQL's percentile_cont, SQLite's `median`
aggregate (registered on every connection by `gridflow.db`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from geo.levels import LEVELS_BOTTOM_UP, LEVELS_TOP_DOWN
from gridflow.clock import CST, utcnow
from gridflow.db import Database
from gridflow.errors import Forbidden, NotFound, UnknownParameter
from gridflow.models import CaseFacts, Division, Grid, Worker
from gridflow.schemas.stats import GROUPS, DivisionName, Figures, Stats, StatsGroup
from gridflow.stats.facts import ESCALATED, LEVEL_INDEX, level_bit
from gridflow.stats.figures import COUNT_NAMES, Counts, add, figures
from gridflow.workflow.rules import ADMIN, MEDIATOR, SUPERVISOR, SYSTEM, Actor
from gridflow.workflow.table import ACTIVE

F = CaseFacts
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
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _median(column, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.percentile_cont(0.5).within_group(column)
    return func.median(column).filter(column.is_not(None))  # SQLite calls the Python step only for values


def _aggregates(dialect: str, now: datetime, due_by: datetime, medians: bool = True) -> list:
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
    ]
    if medians:
        cols += [
            _median(F.handling_hours, dialect).label("hours_median"),
            func.avg(F.handling_hours).label("hours_mean"),
            func.avg(F.handling_days).label("days_mean"),
        ]
    for lvl in LEVELS_BOTTOM_UP:
        cols.append(_sum(F.levels_reached.op("&")(level_bit(lvl)) != 0).label(f"handled_{lvl}"))
        cols.append(_sum(and_(dispute_closed, F.top_level <= LEVEL_INDEX[lvl])).label(f"settled_{lvl}"))
        if lvl in ESCALATED:
            cols.append(_sum(getattr(F, ESCALATED[lvl]) > 0).label(f"escalated_{lvl}"))
    return cols


def _counts(row: Any) -> Counts:
    m = row._mapping
    values = {n: m[n] for n in COUNT_NAMES if n in m and n not in ("handled", "escalated", "settled")}
    for n in ("hours_median", "hours_mean", "days_mean"):
        values[n] = None if m.get(n) is None else float(m[n])
    # One median is computed (the costly aggregate); in days it is the same case's time: the hours
    # scaled by the office day, read off the means (exact while the office hours stay as they are).
    hours_mean, days_mean = values["hours_mean"], values["days_mean"]
    values["days_median"] = (
        values["hours_median"] * days_mean / hours_mean
        if values["hours_median"] is not None and hours_mean and days_mean is not None
        else (0.0 if values["hours_median"] == 0 else None)
    )
    for n in COUNT_NAMES:
        if n not in ("hours_median", "hours_mean", "days_median", "days_mean", "handled", "escalated", "settled"):
            values[n] = int(values[n])
    return Counts(
        **values,
        handled={lvl: int(m[f"handled_{lvl}"]) for lvl in LEVELS_BOTTOM_UP},
        escalated={lvl: int(m[f"escalated_{lvl}"]) for lvl in ESCALATED},
        settled={lvl: int(m[f"settled_{lvl}"]) for lvl in LEVELS_BOTTOM_UP},
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


def _group_column(name: str, division: Division) -> Any:
    if name == "division":
        return getattr(F, f"{CHILD[division.level]}_id")
    return {"level": F.level, "category": F.category, "duty": F.duty, "worker": F.worker_id, "month": F.report_month}[
        name
    ]


def stats(db: Database, actor: Actor, q: Question, now: datetime | None = None) -> Stats:
    """The figures of the cases reported in the period inside `q.division`, in total and per group."""
    groups = parse_groups(q.group_by)
    now = now or utcnow()
    with db.session() as s:
        division = scope(s, actor, q.division)
        dialect = s.get_bind().dialect.name
        conditions, due_by = _period(q, now)
        where = [getattr(F, f"{division.level}_id") == division.id, *conditions]
        aggregates = _aggregates(dialect, now, due_by)
        totals = _counts(s.execute(select(*aggregates).where(*where)).one())
        rows: list[tuple[dict, Counts]] = []
        if groups:
            keys = [_group_column(g, division).label(f"key_{g}") for g in groups]
            stmt = select(*keys, *aggregates).where(*where).group_by(*keys).order_by(*keys)
            raw = list(s.execute(stmt))
            names = _key_names(s, groups, division, raw)
            for r in raw:
                key = {g: names[g].get(r._mapping[f"key_{g}"], r._mapping[f"key_{g}"]) for g in groups}
                rows.append((key, _counts(r)))
        return Stats(
            division=DivisionName(code=division.code, name=division.name, level=division.level),
            **{"from": q.from_},
            to=q.to,
            group_by=groups,
            totals=Figures(**figures(totals)),
            groups=[StatsGroup(key=key, **figures(c)) for key, c in rows],
        )


def _key_names(s: Session, groups: list[str], division: Division, rows: list) -> dict[str, dict]:
    """How each group's key is shown: divisions and grids by code and name, workers by staff number
    and name, months as YYYY-MM."""
    names: dict[str, dict] = {}
    for g in groups:
        values = {r._mapping[f"key_{g}"] for r in rows} - {None}
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
    """One scan for a dashboard: the counts by the division's children, by report month, by the
    cases' current level and state, and in total (no medians: they do not add up)."""

    division: Division
    children: dict[Any, Counts]  # child division (or grid) id -> counts
    child_names: dict[Any, dict]
    months: dict[str, Counts]
    levels: dict[str, Counts]
    states: dict[str, int]
    totals: Counts


def breakdown(db: Database, actor: Actor, q: Question, now: datetime | None = None) -> Breakdown:
    now = now or utcnow()
    with db.session() as s:
        division = scope(s, actor, q.division)
        dialect = s.get_bind().dialect.name
        conditions, due_by = _period(q, now)
        child = _group_column("division", division).label("key_division")
        keys = [child, F.report_month.label("key_month"), F.level.label("key_level"), F.state.label("key_state")]
        stmt = (
            select(*keys, *_aggregates(dialect, now, due_by, medians=False))
            .where(getattr(F, f"{division.level}_id") == division.id, *conditions)
            .group_by(*keys)
        )
        rows = list(s.execute(stmt))
        out = Breakdown(division, {}, _key_names(s, ["division"], division, rows)["division"], {}, {}, {}, _empty())
        for r in rows:
            m = r._mapping
            c = _counts(r)
            month = f"{m['key_month'] // 100:04d}-{m['key_month'] % 100:02d}"
            for bucket, key in ((out.children, m["key_division"]), (out.months, month), (out.levels, m["key_level"])):
                add(bucket.setdefault(key, _empty()), c)
            out.states[m["key_state"]] = out.states.get(m["key_state"], 0) + c.reported
            add(out.totals, c)
        out.months = dict(sorted(out.months.items()))
        return out


def _empty() -> Counts:
    return Counts(handled={}, escalated={}, settled={})


def overdue_cases(db: Database, actor: Actor, q: Question, limit: int = 10, now: datetime | None = None) -> list:
    """The cases of the division past their deadline now, longest overdue first: (id, number, level,
    state, deadline, category)."""
    from gridflow.models import Case
    from gridflow.models.cases import ACTIVE_SQL

    now = now or utcnow()
    with db.session() as s:
        division = scope(s, actor, q.division)
        stmt = (
            select(Case.id, Case.number, Case.level, Case.state, Case.deadline, Case.category)
            .where(ACTIVE_SQL, Case.deadline < now, getattr(Case, f"{division.level}_id") == division.id)
            .order_by(Case.deadline)
            .limit(limit)
        )
        return list(s.execute(stmt))


def supervised_cases(db: Database, actor: Actor, q: Question, limit: int = 10) -> tuple[int, list]:
    """The open cases of the division under supervision (督办) now, soonest due first: how many, and
    the first `limit` (id, number, level, state, supervised_level, supervised_due)."""
    from gridflow.models import Case
    from gridflow.models.cases import ACTIVE_SQL, SUPERVISED_SQL

    with db.session() as s:
        division = scope(s, actor, q.division)
        where = (ACTIVE_SQL, SUPERVISED_SQL, getattr(Case, f"{division.level}_id") == division.id)
        count = s.scalar(select(func.count()).select_from(Case).where(*where)) or 0
        stmt = (
            select(Case.id, Case.number, Case.level, Case.state, Case.supervised_level, Case.supervised_due)
            .where(*where)
            .order_by(Case.supervised_due, Case.id)
            .limit(limit)
        )
        return count, list(s.execute(stmt))
