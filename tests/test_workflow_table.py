"""The workflow table, checked without a database: who may do what, in which state, at which level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from transitions import MachineError

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.workflow import table
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import CATEGORIES
from gridflow.workflow.rules import SYSTEM_ACTOR, Actor

# Divisions: community 10 in street 20 in county 30 in city 40; a second community 11 in street 21.
IDS = {"community": 10, "street": 20, "county": 30, "city": 40}


@dataclass
class FakeCase:
    state: str
    level: str
    category: str = "D02"
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
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None


GRID_WORKER = Actor(1, "网格员", "grid_worker", worker_id=7, grid_ids=frozenset({1}))
OTHER_GRID_WORKER = Actor(2, "别的网格员", "grid_worker", worker_id=8, grid_ids=frozenset({2}))
ADMIN = Actor(99, "管理员", "admin")


def staff(role: str, level: str, uid: int = 50) -> Actor:
    return Actor(uid, f"{level} {role}", role, IDS[level], level)


@pytest.mark.parametrize(
    "state,expected",
    [
        ("reported", ["file", "merge", "reject"]),
        ("open", []),
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
    assert set(table.allowed_events(someone_elses, mediator)) == allowed - {"release", "record", "resolve", "refer"}


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
    ok = table.fire(
        case, "escalate", actor=SYSTEM_ACTOR, now=now, calendar=WorkCalendar(), warn_share=0.8, reason="overdue"
    )
    assert ok and case.state == "open" and case.level == "street" and case.assignee_id is None
    assert case.escalations == 1 and case.deadline > now and now < case.warn_at < case.deadline
    with pytest.raises(MachineError):  # the service checks the table first; the machine refuses too
        table.fire(case, "verify", actor=SYSTEM_ACTOR, now=now, calendar=WorkCalendar(), warn_share=0.8)


def test_every_category_has_a_limit_at_every_level():
    for category in CATEGORIES.values():
        assert set(category.limits) == set(LEVELS_BOTTOM_UP)
    assert len([c for c in CATEGORIES.values() if c.kind == "dispute"]) == 15
    assert {c.duty for c in CATEGORIES.values()} == {"general", "stability", "mediation", "safety", "order"}


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
