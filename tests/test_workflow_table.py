"""The workflow table, checked without a database: who may do what, in which state, at which level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from transitions import MachineError

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.workflow import table
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import WORKING_DAYS, Category, same_limits
from gridflow.workflow.rules import (
    SYSTEM_ACTOR,
    Actor,
    early_reminder_day,
    filing_deadline,
    performance_deadline_problem,
    reminder_due,
)

# Divisions: community 10 in street 20 in county 30 in city 40; a second community 11 in street 21.
IDS = {"community": 10, "street": 20, "county": 30, "city": 40}


@dataclass
class FakeCase:
    state: str
    level: str
    category: str = "D02"
    category_version: int = 1
    kind: str = "dispute"
    grid_id: int = 1
    assignee_id: int | None = None
    reporter_id: int | None = None
    community_id: int = 10
    street_id: int = 20
    county_id: int = 30
    city_id: int = 40
    deadline: datetime | None = None
    warn_at: datetime | None = None
    level_entered_at: datetime | None = None
    overdue_flagged_at: datetime | None = None
    escalations: int = 0
    returns: int = 0
    reworks: int = 0
    extensions: int = 0
    extensions_left: int = 2
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    step_deadline: datetime | None = None
    unchecked: bool = False
    verification_late_at: datetime | None = None
    urge_count: int = 0
    urged_at: datetime | None = None
    supervised_level: str | None = None
    supervised_by_id: int | None = None
    supervised_by: str | None = None
    supervised_note: str | None = None
    supervised_due: datetime | None = None
    supervised_at: datetime | None = None


GRID_WORKER = Actor(1, "网格员", "grid_worker", worker_id=7, grid_ids=frozenset({1}))
OTHER_GRID_WORKER = Actor(2, "别的网格员", "grid_worker", worker_id=8, grid_ids=frozenset({2}))
ADMIN = Actor(99, "管理员", "admin")


D02 = Category("D02", "邻里纠纷", "neighbours", "dispute", "mediation", same_limits(WORKING_DAYS, 5, 10, 15, 15))
EFFECTS = {"calendar": WorkCalendar(), "category": D02, "warn_share": 0.8, "extensions_per_level": 2}


def staff(role: str, level: str, uid: int = 50) -> Actor:
    return Actor(uid, f"{level} {role}", role, IDS[level], level)


@pytest.mark.parametrize(
    "state,expected",
    [
        ("reported", ["file", "merge", "reject"]),
        ("open", ["merge"]),
        ("handling", []),
        ("resolved", ["rework", "verify"]),
        ("closed", ["follow_up"]),
        ("referred", []),
    ],
)
def test_a_grid_worker_acts_only_at_the_ends_of_the_loop(state, expected):
    assert table.allowed_events(FakeCase(state, "community"), GRID_WORKER) == expected
    assert table.allowed_events(FakeCase(state, "community"), OTHER_GRID_WORKER) == []


@pytest.mark.parametrize("level", LEVELS_BOTTOM_UP)
def test_a_mediator_acts_only_at_his_own_level(level):
    mediator = staff("mediator", level, uid=50)
    for case_level in LEVELS_BOTTOM_UP:
        open_case = FakeCase("open", case_level)
        expected = (["claim", "escalate"] if level != "city" else ["claim"]) if case_level == level else []
        assert table.allowed_events(open_case, mediator) == expected
    mine = FakeCase("handling", level, assignee_id=50)
    allowed = set(table.allowed_events(mine, mediator))
    assert {"release", "record", "resolve", "refer"} <= allowed
    assert ("escalate" in allowed) == (level != "city")
    assert ("return" in allowed) == (level != "community")
    assert "extend" not in allowed  # supervisors only
    someone_elses = FakeCase("handling", level, assignee_id=51)
    assert table.allowed_events(someone_elses, mediator) == []  # a colleague's case: hands off


def events_leaving(state: str) -> set[str]:
    return {rw.event for rw in table.TABLE if state in rw.source}


@pytest.mark.parametrize("level", LEVELS_BOTTOM_UP)
def test_on_a_claimed_case_only_the_handler_or_a_supervisor_of_the_level_acts(level):
    case = FakeCase("handling", level, assignee_id=50)
    handler, colleague = staff("mediator", level, uid=50), staff("mediator", level, uid=51)
    supervisor = staff("supervisor", level, uid=52)
    for event in events_leaving("handling"):
        assert table.row_taken(case, event, colleague) is None, event
    staff_events = {
        rw.event
        for rw in table.TABLE
        if "handling" in rw.source and "mediator" in rw.who and rw.event not in table.SIDE_DOORS
    }
    assert staff_events == {"release", "record", "resolve", "escalate", "refer", "return"}
    for event in (
        staff_events - ({"escalate"} if level == "city" else set()) - ({"return"} if level == "community" else set())
    ):
        assert table.row_taken(case, event, handler) is not None, event
        assert table.row_taken(case, event, supervisor) is not None, event


@pytest.mark.parametrize("level", LEVELS_BOTTOM_UP[:-1])
def test_an_unclaimed_case_may_be_escalated_by_any_of_the_levels_staff(level):
    case = FakeCase("open", level)
    assert table.row_taken(case, "escalate", staff("mediator", level, uid=51)) is not None
    assert table.row_taken(case, "escalate", staff("supervisor", level, uid=52)) is not None
    assert table.row_taken(case, "escalate", SYSTEM_ACTOR) is not None
    claimed = FakeCase("handling", level, assignee_id=50)
    assert table.row_taken(claimed, "escalate", SYSTEM_ACTOR) is not None  # the sweep: overdue is overdue


def test_a_grid_worker_checks_his_own_report_made_outside_his_grids_no_more_than_any_other():
    elsewhere = FakeCase("reported", "community", grid_id=2, reporter_id=GRID_WORKER.id)
    assert table.allowed_events(elsewhere, GRID_WORKER) == []  # he reported it: the owner checks it
    assert table.allowed_events(elsewhere, OTHER_GRID_WORKER) == ["file", "merge", "reject"]
    handed_over = Actor(2, "别的网格员", "grid_worker", worker_id=8, grid_ids=frozenset())
    assert table.allowed_events(elsewhere, handed_over) == []  # grids are the actor's, as read now


def test_a_duplicate_is_merged_only_while_reported_or_open_and_unclaimed():
    for state in ("reported", "open"):
        assert table.row_taken(FakeCase(state, "community"), "merge", GRID_WORKER) is not None
        assert table.row_taken(FakeCase(state, "community"), "merge", OTHER_GRID_WORKER) is None
    assert table.row_taken(FakeCase("open", "community", assignee_id=50), "merge", GRID_WORKER) is None
    for state in ("handling", "resolved", "closed", "merged"):
        assert table.row_taken(FakeCase(state, "community"), "merge", GRID_WORKER) is None


def test_a_merge_target_is_an_older_open_case_of_the_same_grid():
    from types import SimpleNamespace

    from gridflow.workflow.rules import merge_target_problem

    def case(id, grid_id=1, state="open", day=2):
        return SimpleNamespace(id=id, grid_id=grid_id, state=state, created_at=datetime(2026, 11, day))

    dup = case(5)
    assert merge_target_problem(dup, case(3, day=1), table.UNFINISHED) is None
    assert "same grid" in merge_target_problem(dup, case(3, grid_id=2, day=1), table.UNFINISHED)
    assert "older" in merge_target_problem(dup, case(7, day=3), table.UNFINISHED)
    assert "still open" in merge_target_problem(dup, case(3, state="closed", day=1), table.UNFINISHED)
    assert "another case" in merge_target_problem(dup, dup, table.UNFINISHED)
    assert "another case" in merge_target_problem(dup, None, table.UNFINISHED)


@pytest.mark.parametrize(
    "state,actor,stages",
    [
        ("reported", GRID_WORKER, ["report"]),
        ("open", GRID_WORKER, ["report"]),
        ("handling", GRID_WORKER, ["report"]),  # photos of the report sent late from offline
        ("resolved", GRID_WORKER, ["report", "verification"]),
        ("closed", GRID_WORKER, []),
        ("handling", staff("mediator", "community", uid=50), ["handling", "agreement"]),
        ("handling", staff("mediator", "community", uid=51), []),  # a colleague's case
        ("resolved", staff("mediator", "community", uid=51), ["agreement"]),
        ("open", OTHER_GRID_WORKER, []),
    ],
)
def test_who_may_attach_files_for_which_stage_comes_from_the_table(state, actor, stages):
    case = FakeCase(state, "community", assignee_id=50 if state != "open" else None)
    assert table.attach_stages(case, actor) == stages
    assert "attach" not in table.allowed_events(case, actor)  # its own door, not POST /events


def test_the_reporter_attaches_photos_to_his_report_wherever_it_lies():
    elsewhere = FakeCase("reported", "community", grid_id=2, reporter_id=GRID_WORKER.id)
    assert table.attach_stages(elsewhere, GRID_WORKER) == ["report"]


def test_a_mediator_of_another_area_may_do_nothing():
    elsewhere = Actor(60, "x", "mediator", 21, "street")
    assert table.allowed_events(FakeCase("open", "street"), elsewhere) == []


def test_only_a_supervisor_of_that_level_extends():
    case = FakeCase("handling", "street", assignee_id=50)
    assert "extend" in table.allowed_events(case, staff("supervisor", "street"))
    assert "extend" not in table.allowed_events(case, staff("supervisor", "county"))
    assert table.roles_for("extend") == {"supervisor", "admin"}


def test_roles_that_may_never_do_an_event():
    assert "grid_worker" not in table.roles_for("claim")
    assert "mediator" not in table.roles_for("verify")
    assert table.roles_for("flag_overdue") == {"system"}


def test_the_system_may_escalate_but_an_admin_may_not_flag():
    case = FakeCase("open", "community")
    assert table.row_taken(case, "escalate", SYSTEM_ACTOR) is not None
    assert table.row_taken(FakeCase("open", "city"), "flag_overdue", ADMIN) is None
    assert table.row_taken(FakeCase("open", "city"), "escalate", SYSTEM_ACTOR) is None


def test_firing_runs_the_effects_of_the_row():
    now = datetime(2026, 11, 23, 2, 0)  # Monday 10:00 China time
    case = FakeCase("handling", "community", assignee_id=50, level_entered_at=now)
    effects = EFFECTS
    ok = table.fire(case, "escalate", actor=SYSTEM_ACTOR, now=now, reason="overdue", **effects)
    assert ok and case.state == "open" and case.level == "street" and case.assignee_id is None
    assert case.escalations == 1 and case.deadline > now and now < case.warn_at < case.deadline
    with pytest.raises(MachineError):  # the service checks the table first; the machine refuses too
        table.fire(case, "verify", actor=SYSTEM_ACTOR, now=now, **effects)


def test_extensions_are_capped_per_level_and_the_count_restarts_at_the_next_level():
    now = datetime(2026, 11, 23, 2, 0)
    effects = EFFECTS
    case = FakeCase("handling", "community", assignee_id=50, level_entered_at=now, deadline=now, extensions_left=2)
    supervisor = staff("supervisor", "community")
    for _ in range(2):
        assert table.fire(case, "extend", actor=supervisor, now=now, extend_by=1, reason="x", **effects)
    assert case.extensions == 2 and case.extensions_left == 0
    assert "extend" not in table.allowed_events(case, supervisor)
    assert table.fire(case, "escalate", actor=supervisor, now=now, reason="x", **effects)
    assert case.level == "street" and case.extensions_left == 2 and case.extensions == 2


SUPERVISION = ("pull_up", "supervise", "urge")


@pytest.mark.parametrize("case_level", LEVELS_BOTTOM_UP)
def test_only_a_supervisor_of_a_higher_level_over_the_case_urges_supervises_and_pulls_up(case_level):
    below = LEVELS_BOTTOM_UP.index(case_level)
    for level in LEVELS_BOTTOM_UP:
        allowed = set(table.allowed_events(FakeCase("open", case_level), staff("supervisor", level)))
        assert (set(SUPERVISION) <= allowed) == (LEVELS_BOTTOM_UP.index(level) > below), level
        assert not set(SUPERVISION) & set(table.allowed_events(FakeCase("open", case_level), staff("mediator", level)))
    elsewhere = Actor(61, "x", "supervisor", 31, "county")  # another county
    assert not set(SUPERVISION) & set(table.allowed_events(FakeCase("open", case_level), elsewhere))
    for state in ("reported", "resolved", "closed", "referred"):
        assert not set(SUPERVISION) & set(
            table.allowed_events(FakeCase(state, case_level), staff("supervisor", "city"))
        )
    assert set(SUPERVISION) <= set(table.allowed_events(FakeCase("handling", case_level, assignee_id=7), ADMIN))
    assert table.roles_for("urge") == {"supervisor", "admin"}


def test_a_supervisor_at_or_below_the_case_is_refused_for_good_not_for_now():
    case = FakeCase("open", "street")
    assert table.refused_by_authority(case, "urge", staff("supervisor", "street"))
    assert table.refused_by_authority(case, "urge", staff("supervisor", "community"))
    assert not table.refused_by_authority(case, "urge", staff("supervisor", "county"))
    assert not table.refused_by_authority(FakeCase("resolved", "street"), "urge", staff("supervisor", "street"))
    assert not table.refused_by_authority(case, "claim", staff("mediator", "county"))  # other events: 409 as before


def test_supervision_effects():
    now = datetime(2026, 11, 23, 2, 0)
    case = FakeCase("handling", "community", assignee_id=50, level_entered_at=now)
    county = staff("supervisor", "county", uid=70)
    assert table.fire(case, "urge", actor=county, now=now, **EFFECTS)
    assert (case.urge_count, case.urged_at, case.state) == (1, now, "handling")
    due = datetime(2026, 11, 30, 9, 0)
    assert table.fire(case, "supervise", actor=county, now=now, note="限期办结", due=due, **EFFECTS)
    assert (case.supervised_level, case.supervised_by_id, case.supervised_due) == ("county", 70, due)
    assert "supervise" not in table.allowed_events(case, staff("supervisor", "street"))  # not over the county's
    assert table.fire(case, "pull_up", actor=county, now=now, reason="提级", **EFFECTS)
    assert (case.state, case.level, case.assignee_id, case.escalations) == ("open", "county", None, 0)
    assert case.deadline > now and case.supervised_level == "county"
    assert table.fire(case, "claim", actor=staff("mediator", "county"), now=now, **EFFECTS)
    assert table.fire(case, "refer", actor=staff("supervisor", "county"), now=now, **EFFECTS)
    assert case.supervised_level is None and case.supervised_note is None  # the mark ends with the case


def test_the_grid_workers_steps_have_limits():
    now = datetime(2026, 11, 23, 1, 0)  # Monday 09:00 China time
    reported = FakeCase("reported", "community", level_entered_at=now)
    assert filing_deadline(WorkCalendar(), D02, now) == datetime(2026, 11, 23, 6, 30)  # 14:30: 4 working hours
    assert table.allowed_events(reported, ADMIN) == ["file", "merge", "reject"]  # never auto_file by hand
    assert table.fire(reported, "auto_file", actor=SYSTEM_ACTOR, now=now, **EFFECTS)
    assert (reported.state, reported.level, reported.unchecked) == ("open", "community", True)
    assert reported.deadline is not None and reported.step_deadline is None
    handling = FakeCase("handling", "street", assignee_id=50, level_entered_at=now)
    assert table.fire(handling, "resolve", actor=staff("mediator", "street"), now=now, outcome="x", **EFFECTS)
    assert handling.step_deadline == datetime(2026, 11, 26, 9, 30)  # close of office, third working day
    assert table.fire(handling, "verification_late", actor=SYSTEM_ACTOR, now=now, **EFFECTS)
    assert handling.verification_late_at == now and handling.state == "resolved"
    assert table.roles_for("verification_late") == table.roles_for("remind") == {"system"}


def test_reminders_come_three_working_days_before_and_on_the_day_each_once():
    calendar = WorkCalendar()
    due = date(2026, 10, 9)  # Friday after the National Day week: its third working day before is 29 September
    assert early_reminder_day(calendar, due) == date(2026, 9, 29)
    assert reminder_due(calendar, due, date(2026, 9, 28), 0) is None
    assert reminder_due(calendar, due, date(2026, 9, 29), 0) == 1
    assert reminder_due(calendar, due, date(2026, 10, 3), 1) is None
    assert reminder_due(calendar, due, date(2026, 10, 3), 0) == 1  # a sweep that missed the day before
    assert reminder_due(calendar, due, due, 1) == 2
    assert reminder_due(calendar, due, due, 0) == 2  # the early one missed: only the day's
    assert reminder_due(calendar, due, due, 2) is None
    assert reminder_due(calendar, due, date(2026, 10, 10), 0) is None  # after the day: none


def test_an_agreement_is_performed_after_signing_and_within_two_years():
    signed = date(2026, 11, 26)
    assert performance_deadline_problem(date(2026, 11, 27), signed) is None
    assert performance_deadline_problem(date(2028, 11, 26), signed) is None
    assert "after the signing day" in performance_deadline_problem(signed, signed)
    assert "within two years" in performance_deadline_problem(date(2028, 11, 28), signed)


def test_the_effects_take_the_limits_of_the_category_version_handed_in():
    now = datetime(2026, 11, 23, 2, 0)  # Monday 10:00 China time
    calendar = WorkCalendar()
    for street_days, expected in ((10, "2026-12-07"), (2, "2026-11-25")):
        version = Category(
            "D02", "邻里纠纷", "neighbours", "dispute", "mediation", same_limits(WORKING_DAYS, 5, street_days, 15, 15)
        )
        case = FakeCase("open", "community", level_entered_at=now)
        table.fire(case, "escalate", actor=SYSTEM_ACTOR, now=now, reason="x", **(EFFECTS | {"category": version}))
        assert calendar.to_local(case.deadline).date().isoformat() == expected


def test_a_category_of_another_version_than_the_cases_is_refused():
    now = datetime(2026, 11, 23, 2, 0)
    case = FakeCase("open", "community", level_entered_at=now, category_version=2)
    with pytest.raises(ValueError, match="version 2, not D02 version 1"):
        table.fire(case, "escalate", actor=SYSTEM_ACTOR, now=now, reason="x", **EFFECTS)
    other = Category("G01", "暴露垃圾", "exposed rubbish", "incident", "general", same_limits(WORKING_DAYS, 1, 2, 3, 3))
    with pytest.raises(ValueError):
        table.fire(
            FakeCase("open", "community", level_entered_at=now),
            "escalate",
            actor=SYSTEM_ACTOR,
            now=now,
            reason="x",
            **(EFFECTS | {"category": other}),
        )


def test_the_diagram_is_drawn_from_the_table():
    text = table.diagram()
    assert text.count("-->") >= 12 and "stateDiagram-v2" in text
    for rw in table.TABLE:
        assert rw.event in text


def test_the_readme_shows_the_current_diagram():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.strip() == table.diagram().strip(), (
        "README diagram is stale: paste `gridflow workflow --format mermaid`"
    )


def test_the_judicial_confirmation_window_counts_from_the_day_in_china():
    from gridflow.workflow.rules import confirmation_deadline

    # 00:16 on 28 November in China is still the 27th in UTC (naive, as stored): the 30 days run
    # from the 28th, as the case file's "days left" counts them.
    assert confirmation_deadline("written", datetime(2026, 11, 27, 16, 16)) == date(2026, 12, 28)
    assert confirmation_deadline("written", datetime(2026, 11, 27, 15, 59)) == date(2026, 12, 27)
    assert confirmation_deadline("oral", datetime(2026, 11, 27, 16, 16)) is None
