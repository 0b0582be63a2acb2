"""Server time of the desk pages (issue 12).  Run: .venv/bin/python -m bench.pages [--cases N] [--smoke]

With N (default 1 M) cases bulk-loaded on SpatiaLite and on PostGIS (bench.cases' loading, into the
same databases: a city loaded for one bench serves the other), logged in as a mediator at each level
of the divisions with the most cases, p50/p95 server time of:
1. GET /queue, the first page;
2. GET /queue?after=…, a keyset page from the middle of the queue;
3. GET /queue?q=…, words found in no case (the bounded scan reads the whole queue: the worst case);
4. GET /cases/<id> of cases in those queues, half of them bulk-loaded (no record), half reported,
   claimed and mediated through the service (parties, two sessions, a timeline).
Server time: the WSGI app called in this process (Flask's test client: no network, no server), the
request's whole work (session, access rules, queries, templates).  Goal: p95 ≤ 100 ms at 1 M.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, select

from bench.cases import bulk_load, numbered, settle
from bench.common import (
    PASSWORD,
    add_backend_options,
    backends,
    demo_city,
    disposing,
    log_in_page,
    percentiles,
    quiet_logs,
    timed_get,
)
from bench.stats import fill_facts
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases import act as cases
from gridflow.cases import report as reporting
from gridflow.cases.lists import cursor_of, queue_statement
from gridflow.cases.policy import Policy
from gridflow.db import get_db
from gridflow.models import Case, CaseEvent, Division, User
from gridflow.people.tokens import actor_for_token, make_token
from gridflow.people.users import add_user
from gridflow.schemas.cases import EventInput, ReportInput
from gridflow.workflow.rules import MEDIATOR, Actor

MISSING_WORDS = "压测找不到的词"


@dataclass(frozen=True)
class Sizes:
    scale: str = "full"
    cases: int = 1_000_000
    requests: int = 200  # per figure
    recorded: int = 20  # mediated cases reported through the service


FULL = Sizes()
SMOKE = Sizes(scale="small", cases=3_000, requests=12, recorded=4)


def _mediators(db) -> list[tuple[str, str, int]]:
    """(level, username, division id): a mediator at each level for its busiest division."""
    found = []
    with db.session() as s:
        for level in LEVELS_BOTTOM_UP:
            column = getattr(Case, f"{level}_id")
            division_id = s.scalars(
                select(column).where(Case.level == level).group_by(column).order_by(func.count().desc()).limit(1)
            ).first()
            if division_id is None:
                continue
            username = f"bench.{level}.0"
            s.execute(delete(User).where(User.username == username))  # bench.cases' (its own password)
            add_user(s, username, "mediator", s.get(Division, division_id).code, None, PASSWORD)
            found.append((level, username, division_id))
        s.execute(delete(User).where(User.username == "bench.admin"))
        add_user(s, "bench.admin", "admin", None, None, PASSWORD)
    return found


def _supervisors(db) -> list[str]:
    """A supervisor of the city and one of the county with the most cases."""
    names = []
    with db.session() as s:
        city = s.scalars(select(Division).where(Division.level == "city")).first()
        county_id = s.scalars(
            select(Case.county_id).group_by(Case.county_id).order_by(func.count().desc()).limit(1)
        ).first()
        for label, division in (("city", city), ("county", s.get(Division, county_id) if county_id else None)):
            if division is None:
                continue
            username = f"bench.{label}.supervisor"
            if s.scalars(select(User).where(User.username == username)).first() is None:
                add_user(s, username, "supervisor", division.code, None, PASSWORD)
            names.append(username)
    return names


def _recorded_cases(app, db, username: str, division_id: int, count: int) -> list[int]:
    """Cases reported, claimed and mediated through the services, where the community mediator
    `username` works (at a bulk-loaded case's place in his division)."""
    policy = Policy.from_config(app.config)
    with db.session() as s:
        places = s.execute(
            select(Case.lon, Case.lat).where(Case.community_id == division_id, numbered("B")).limit(count)
        ).all()
        admin, mediator = (s.scalars(select(User).where(User.username == u)).one() for u in ("bench.admin", username))
        tokens = [make_token(app.config["SECRET_KEY"], u) for u in (admin, mediator)]
    with db.lookup() as conn:
        reporter, actor = (
            actor_for_token(conn, app.config["SECRET_KEY"], t, app.config["TOKEN_MAX_AGE_SECONDS"]) for t in tokens
        )
    ids = []
    for lon, lat in places:
        report = ReportInput.model_validate(
            {
                "kind": "dispute",
                "category": "D02",
                "description": "压测：楼上漏水，邻里争执",
                "location": {"lon": lon, "lat": lat},
                "risk": "orange",
                "parties": [
                    {"name": "张三", "role": "applicant", "phone": "13800001111", "id_number": "11010519491231002X"},
                    {"name": "李四", "role": "respondent", "phone": "0393-1234567"},
                ],
            }
        )
        case = reporting.report(db, reporter, report, policy)  # an admin's report is filed at once
        for body in (
            {"event": "claim"},
            {"event": "record", "session": {"summary": "双方到场，各自陈述", "place": "社区调解室"}},
            {"event": "record", "session": {"summary": "第二次调解，初步达成意向", "participants": "张三、李四"}},
        ):
            case = cases.act(db, actor, case.id, EventInput.model_validate({**body, "version": case.version}), policy)
        ids.append(case.id)
    return ids


def queue_statement_for(level: str, division_id: int):
    """The queue of a mediator at `level` of that division (the service's own statement)."""
    return queue_statement(Actor(0, "bench", MEDIATOR, division_id=division_id, division_level=level))


def _middle_cursor(db, level: str, division_id: int) -> str | None:
    """The keyset cursor of the row halfway down a queue (where a deep page starts)."""
    stmt = queue_statement_for(level, division_id)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        middle = s.scalars(stmt.offset(total // 2).limit(1)).first()
        return cursor_of(middle) if middle is not None else None


def _largest_queue(db, mediators) -> int:
    with db.session() as s:
        sizes = [
            s.scalar(select(func.count()).select_from(queue_statement_for(level, d).order_by(None).subquery())) or 0
            for level, _, d in mediators
        ]
    return max(sizes, default=0)


def run(name: str, url: str, sizes: Sizes = FULL) -> None:
    print(f"== {name}")
    quiet_logs()
    with disposing(demo_city(url, scale=sizes.scale)) as app:
        measure(app, sizes)


def measure(app, sizes: Sizes) -> None:
    """The figures on `app`'s database (cases loaded as needed, the mediated ones removed after)."""
    db = get_db(app)
    with db.session() as s:
        loaded = s.scalar(select(func.count()).select_from(Case).where(numbered("B")))
    if loaded < sizes.cases * 0.9:
        with db.session() as s:
            s.execute(delete(CaseEvent))
            s.execute(delete(Case))
        print(f"  bulk-loaded {sizes.cases:,} active cases in {bulk_load(db, sizes.cases, 'B'):.0f} s")
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))
        stored = s.scalar(select(func.count()).select_from(Case))
    mediators = _mediators(db)
    community = next((m for m in mediators if m[0] == "community"), None)
    recorded = _recorded_cases(app, db, community[1], community[2], sizes.recorded) if community else []
    fill_facts(db)  # what the dashboard counts (bulk-loaded cases have no events)
    supervisors = _supervisors(db)
    settle(db)
    print(f"  {stored:,} cases stored; mediators at {', '.join(level for level, _, _ in mediators)}")

    figures: dict[str, list[float]] = {"first": [], "deep": [], "words": [], "case": [], "dashboard": []}
    desks = []  # (level, logged-in client, a cursor halfway down his queue, cases of his queue)
    for level, username, division_id in mediators:
        client = app.test_client()
        log_in_page(client, username)
        with db.session() as s:
            stmt = queue_statement_for(level, division_id).with_only_columns(Case.id).limit(sizes.requests)
            queue_ids = list(s.scalars(stmt))
        desks.append((level, client, _middle_cursor(db, level, division_id), queue_ids))
    community_desk = next((client for level, client, _, _ in desks if level == "community"), None)
    for i in range(sizes.requests):
        _, client, cursor, queue_ids = desks[i % len(desks)]
        figures["first"].append(timed_get(client, "/queue"))
        if cursor:
            figures["deep"].append(timed_get(client, f"/queue?after={cursor}"))
        figures["words"].append(timed_get(client, f"/queue?q={MISSING_WORDS}"))
        if i % 2 and recorded and community_desk is not None:
            figures["case"].append(timed_get(community_desk, f"/cases/{recorded[i % len(recorded)]}"))
        elif queue_ids:
            figures["case"].append(timed_get(client, f"/cases/{queue_ids[i % len(queue_ids)]}"))
    boards = []
    for username in supervisors:
        client = app.test_client()
        log_in_page(client, username)
        boards.append(client)
    for i in range(max(sizes.requests // 4, 2)):  # the whole city's and the busiest county's
        figures["dashboard"].append(timed_get(boards[i % len(boards)], "/dashboard"))
    largest = _largest_queue(db, mediators)
    labels = {
        "first": "GET /queue, first page",
        "deep": "GET /queue?after=…, a page from the middle",
        "words": "GET /queue?q=…, words in no case (whole queue read)",
        "case": "GET /cases/<id>",
        "dashboard": "GET /dashboard (city and busiest county supervisors)",
    }
    for key, label in labels.items():
        if figures[key]:
            p50, p95 = percentiles(figures[key])
            goal = "p95 ≤ 300 ms" if key == "dashboard" else f"p95 ≤ 100 ms; largest queue {largest:,}"
            print(f"  {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms  (goal {goal})")
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int)
    add_backend_options(parser)
    parser.add_argument("--smoke", action="store_true", help="every step at toy size, on its own databases")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.cases:
        sizes = replace(sizes, cases=args.cases)
    names = ("smoke.db", "gridflow_bench_smoke") if args.smoke else ("full.db", "gridflow_bench")
    for name, url in backends(args, *names):
        run(name, url, sizes)


if __name__ == "__main__":
    main()
