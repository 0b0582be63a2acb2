"""The services the desk pages stand on, on both back ends: the desk queue (filters, keyset pages),
queue rows with what the caller may do, a session's place and time, each level's stay and deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gridflow.cases.lists import queue_slice, queue_statement
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.errors import Forbidden, Invalid
from gridflow.models import Case, MediationSession
from gridflow.people.tokens import actor_for_token
from gridflow.schemas.parse import parse_query
from gridflow.schemas.queue import QueueQuery
from gridflow.workflow.rules import Actor
from tests.cases_helpers import WEST_SW, Api, setup_city
from tests.test_contracts import plan, uses
from tests.test_timeline_chain import verify_output


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def actor(api, username: str) -> Actor:
    """The workflow's view of a user, as the API resolves it from his token."""
    app = api.client.application
    with get_db(app).lookup() as conn:
        return actor_for_token(conn, app.config["SECRET_KEY"], api.token(username), app.config["TOKEN_MAX_AGE_SECONDS"])


def desk_queue(api, username, **args):
    query = parse_query(QueueQuery, {k: str(v) for k, v in args.items()})
    return queue_slice(get_db(api.client.application), actor(api, username), query)


# -- the desk queue ------------------------------------------------------------------------------
def test_keyset_pages_show_every_case_of_the_queue_once_in_deadline_order_both_ways(api, db):
    ids = [ok(api.report("gw1", description=f"纠纷{i}"), 201)["id"] for i in range(7)]
    with db.session() as s:  # deadlines out of report order, two of them equal (the id breaks the tie)
        for k, case_id in enumerate(ids):
            due = utcnow() + timedelta(hours=[5, 1, 3, 3, 9, 2, 7][k])
            s.execute(update(Case).where(Case.id == case_id).values(deadline=due))
    with db.session() as s:
        expected = [c.id for c in s.scalars(select(Case).order_by(Case.deadline, Case.id))]
    seen, pages, after = [], [], None
    while True:
        page = desk_queue(api, "med_comm", per_page=3, **({"after": after} if after else {}))
        assert page.total == 7
        seen += [c.id for c in page.items]
        pages.append(page)
        if page.after is None:
            break
        after = page.after
    assert seen == expected and len(pages) == 3
    assert pages[0].before is None and pages[1].before is not None
    back = desk_queue(api, "med_comm", per_page=3, before=pages[2].before)
    assert [c.id for c in back.items] == [c.id for c in pages[1].items]
    first = desk_queue(api, "med_comm", per_page=3, before=pages[1].before)
    assert [c.id for c in first.items] == [c.id for c in pages[0].items] and first.before is None


def test_the_desk_queue_filters_by_the_case_searchs_names(api, db):
    dispute = ok(api.report("gw1", description="楼上漏水 100%"), 201)
    incident = ok(
        api.report("gw1", kind="incident", category="G02", risk=None, parties=None, description="井盖缺失"), 201
    )
    other_grid = ok(api.report("gw2", location=WEST_SW, description="邻里争吵"), 201)
    ok(api.event("med_comm", dispute, "claim"))

    def ids(**args):
        return {c.id for c in desk_queue(api, "med_comm", **args).items}

    assert ids() == {dispute["id"], incident["id"], other_grid["id"]}
    assert ids(kind="incident") == {incident["id"]}
    assert ids(category="D02") == {dispute["id"], other_grid["id"]}
    assert ids(state="handling") == {dispute["id"]}
    assert ids(grid="410902001001003") == {other_grid["id"]}
    assert ids(q=incident["number"][-5:]) == {incident["id"]}
    assert ids(q="井盖") == {incident["id"]}
    assert ids(q="100%") == {dispute["id"]}  # a wildcard character is just a character
    assert ids(q="__") == set()
    with pytest.raises(Invalid) as short:  # one character finds too much to mean anything
        desk_queue(api, "med_comm", q="漏")
    assert short.value.field == "q"
    with pytest.raises(Invalid) as unknown:
        desk_queue(api, "med_comm", grid="410902001001009")
    assert unknown.value.field == "grid"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"grid": "123"}, "grid"),
        ({"after": "yesterday_3"}, "after"),
        ({"after": "2026-11-27T09:00:00.000000_3", "before": "2026-11-27T09:00:00.000000_3"}, "before"),
        ({"state": "closed"}, "state"),
        ({"category": "x-99"}, "category"),  # not the shape of a code (2 to 8 capitals and digits)
    ],
)
def test_desk_queue_parameters_that_do_not_fit_are_named(args, field):
    with pytest.raises(Invalid) as bad:
        parse_query(QueueQuery, args)
    assert bad.value.field == field


def test_a_grid_worker_has_no_desk_queue(api, db):
    with pytest.raises(Forbidden):
        desk_queue(api, "gw1")


def test_queue_rows_say_what_the_caller_may_do_now(api):
    case = ok(api.report("gw1"), 201)
    row = ok(api.get("med_comm", "/api/v1/queue"))["items"][0]
    assert row["allowed_events"] == ["claim", "escalate"] and row["level_entered_at"]
    ok(api.event("med_comm", case, "claim"))
    assert ok(api.get("med_comm2", "/api/v1/queue"))["items"][0]["allowed_events"] == []  # claimed by another
    assert "release" in ok(api.get("sup_comm", "/api/v1/queue"))["items"][0]["allowed_events"]


def test_the_desk_queue_with_filters_and_a_cursor_still_reads_its_levels_index(api, db):
    from gridflow.workflow.rules import MEDIATOR, Actor

    for level in ("community", "street"):
        mediator = Actor(1, "m", MEDIATOR, division_id=1, division_level=level)
        stmt = queue_statement(mediator).where(Case.kind == "dispute", Case.deadline >= utcnow())
        assert uses(plan(db, stmt), f"ix_case_queue_{level}")


# -- a session's place and time ------------------------------------------------------------------
def test_a_session_keeps_its_place_and_time_and_the_chain_covers_them(api, db, runner):
    case = ok(api.event("med_comm", ok(api.report("gw1"), 201), "claim"))
    held = (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # now, in China time, to the minute
    case = ok(
        api.event("med_comm", case, "record", session={"summary": "双方到场", "place": "社区调解室", "held_at": held})
    )
    session = case["sessions"][0]
    assert (
        session["place"] == "社区调解室"
        and session["held_at"].startswith(held)
        and session["held_at"].endswith("+08:00")
    )
    timeline = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}/timeline"))
    assert timeline["chain_valid"]
    assert [e["data"] for e in timeline["events"] if e["event"] == "record"] == [
        {"session": {"summary": "双方到场", "participants": None, "place": "社区调解室", "held_at": f"{held}:00+08:00"}}
    ]
    with db.session() as s:
        s.execute(update(MediationSession).values(place="别处"))
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "the stored session differs" in output


@pytest.mark.parametrize(("offset", "message"), [(timedelta(hours=2), "in the future"), (-timedelta(days=2), "before")])
def test_a_session_held_in_the_future_or_before_the_report_is_refused(api, offset, message):
    case = ok(api.event("med_comm", ok(api.report("gw1"), 201), "claim"))
    held = (utcnow() + timedelta(hours=8) + offset).strftime("%Y-%m-%dT%H:%M")
    answer = api.event("med_comm", case, "record", session={"summary": "x", "held_at": held})
    error = ok(answer, 422)["error"]
    assert error["field"] == "session.held_at" and message in error["message"]


# -- each level's stay and deadline --------------------------------------------------------------
def test_the_timeline_gives_each_level_its_stay_and_deadline(api, db):
    case = ok(api.event("med_comm", ok(api.report("gw1"), 201), "claim"))
    case = ok(api.event("med_comm", case, "escalate", reason="需要街道协调"))
    case = ok(api.event("med_street", case, "claim"))
    case = ok(api.event("sup_street", case, "extend", reason="当事人住院", extend_by=1))
    timeline = ok(api.get("sup_street", f"/api/v1/cases/{case['id']}/timeline"))
    community, street = timeline["stays"]
    assert (community["level"], street["level"]) == ("community", "street")
    assert community["left_at"] == street["entered_at"] and street["left_at"] is None
    assert community["deadline"] and not community["overdue"]
    assert street["deadline"] == case["deadline"]  # the stored one, extension included
    with db.session() as s:  # the community stay's deadline is recomputed as the workflow set it
        s.execute(update(Case).where(Case.id == case["id"]).values(deadline=utcnow() - timedelta(minutes=1)))
    street = ok(api.get("sup_street", f"/api/v1/cases/{case['id']}/timeline"))["stays"][1]
    assert street["overdue"]
