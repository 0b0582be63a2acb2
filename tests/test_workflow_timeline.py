"""A case timeline (pure): durations, and the mediation record against what the chain recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from gridflow.hashchain import ChainCheck
from gridflow.workflow.timeline import durations, records_check

T0 = datetime(2026, 11, 23, 1, 0)


@dataclass(frozen=True)
class Event:
    case_id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    event: str
    from_state: str | None
    to_state: str
    from_level: str | None
    to_level: str
    reason: str | None
    data: str
    prev_hash: str = ""
    hash: str = ""


def chain(*steps) -> list[Event]:
    return [
        Event(1, seq, T0 + timedelta(hours=hours), 7, "张三", name, None, state, None, level, None, "{}")
        for seq, (hours, name, state, level) in enumerate(steps, start=1)
    ]


EVENTS = chain(
    (0, "report", "reported", "community"),
    (1, "file", "open", "community"),
    (3, "claim", "handling", "community"),
    (10, "escalate", "open", "street"),
    (12, "claim", "handling", "street"),
    (20, "resolve", "resolved", "street"),
    (30, "verify", "closed", "street"),
)


def test_time_is_attributed_to_the_level_and_state_between_events():
    d = durations(EVENTS, now=T0 + timedelta(hours=100), terminal=("closed",))
    hour = 3600.0
    assert d["levels"] == {"community": 10 * hour, "street": 20 * hour}
    assert d["states"] == {"reported": 1 * hour, "open": 4 * hour, "handling": 15 * hour, "resolved": 10 * hour}


def test_an_unfinished_case_counts_up_to_now():
    d = durations(EVENTS[:4], now=T0 + timedelta(hours=15), terminal=("closed",))
    assert d["levels"]["street"] == 5 * 3600.0 and d["states"]["open"] == (2 + 5) * 3600.0


# -- the mediation record against the timeline ----------------------------------------------------
def recorded(seq: int, name: str, hours: float, data: dict) -> Event:
    return Event(
        1, seq, T0 + timedelta(hours=hours), 7, "张三", name, None, "handling", None, "street", None, json.dumps(data)
    )


SESSION = {"summary": "双方到场", "participants": "张三、李四"}
AGREEMENT = {"form": "written", "terms": "赔偿2000元", "performance_deadline": "2026-12-31"}
RECORDED = [
    recorded(1, "claim", 0, {}),
    recorded(2, "record", 1, {"session": SESSION}),
    recorded(3, "resolve", 2, {"outcome": "调解成功", "agreement": AGREEMENT}),
    recorded(4, "follow_up", 30, {"visit": {"notes": "已履行", "performed": True}}),
]


def stored_record(**changes):
    session = SimpleNamespace(held_at=T0 + timedelta(hours=1), mediator_id=7, **SESSION)
    agreement = SimpleNamespace(
        form="written",
        terms="赔偿2000元",
        performance_deadline=date(2026, 12, 31),
        signed_at=T0 + timedelta(hours=2),
        confirmation_deadline=(T0 + timedelta(hours=2, days=30)).date(),
    )
    visit = SimpleNamespace(visited_at=T0 + timedelta(hours=30), visitor_id=7, notes="已履行", performed=True)
    record = {"sessions": [session], "visits": [visit], "agreement": agreement}
    for path, value in changes.items():
        what, attr = path.split("__")
        target = record[what][0] if isinstance(record[what], list) else record[what]
        setattr(target, attr, value)
    return record["sessions"], record["visits"], record["agreement"]


def test_a_mediation_record_that_says_what_the_timeline_says_checks_out():
    assert records_check(RECORDED, *stored_record()) == ChainCheck(True)


@pytest.mark.parametrize(
    "change,seq",
    [
        ({"sessions__summary": "一方缺席"}, 2),
        ({"sessions__held_at": T0}, 2),
        ({"agreement__terms": "赔偿200元"}, 3),
        ({"agreement__performance_deadline": date(2027, 12, 31)}, 3),
        ({"visits__performed": False}, 4),
    ],
)
def test_a_stored_record_changed_behind_the_timelines_back_is_named(change, seq):
    result = records_check(RECORDED, *stored_record(**change))
    assert not result.valid and result.broken_at == seq, result


def test_records_missing_or_added_are_found():
    sessions, visits, agreement = stored_record()
    assert records_check(RECORDED, [], visits, agreement).broken_at == 2
    assert not records_check(RECORDED, sessions * 2, visits, agreement).valid
    assert records_check(RECORDED, sessions, visits, None).broken_at == 3
    assert not records_check(RECORDED[:2], sessions, [], agreement).valid  # an agreement no event made


def test_sessions_recorded_before_they_entered_the_chain_are_not_compared():
    legacy = [RECORDED[0], replace(RECORDED[1], data="{}"), *RECORDED[2:]]
    assert records_check(legacy, *stored_record(sessions__summary="whatever")) == ChainCheck(True)


# -- each level's stay and deadline ---------------------------------------------------------------
def test_each_level_stay_has_the_deadline_the_workflow_set_there():
    from gridflow.workflow.calendar import WorkCalendar
    from gridflow.workflow.categories import EMERGENCY_HOURS, Limit
    from gridflow.workflow.timeline import Stay, level_stays

    def step(seq, hours, name, from_state, to_state, from_level, to_level, data=None):
        at = T0 + timedelta(hours=hours)
        return Event(
            1, seq, at, 7, "张三", name, from_state, to_state, from_level, to_level, None, json.dumps(data or {})
        )

    events = [
        step(1, 0, "report", None, "reported", None, "community"),
        step(2, 1, "file", "reported", "open", "community", "community"),  # the community's clock starts
        step(3, 2, "claim", "open", "handling", "community", "community"),
        step(4, 10, "escalate", "handling", "open", "community", "street"),  # the street's starts
        step(5, 11, "claim", "open", "handling", "street", "street"),
        step(6, 12, "extend", "handling", "handling", "street", "street", {"extend_by": 1}),
        step(7, 20, "resolve", "handling", "resolved", "street", "street"),
        step(8, 30, "verify", "resolved", "closed", "street", "street"),
    ]
    limits = {"community": Limit(2, EMERGENCY_HOURS), "street": Limit(4, EMERGENCY_HOURS)}
    stays = level_stays(events, limits.__getitem__, WorkCalendar(), ended=True)
    hours = lambda n: T0 + timedelta(hours=n)  # noqa: E731
    assert stays == [
        Stay("community", hours(0), hours(10), hours(3)),
        Stay("street", hours(10), hours(30), hours(15)),  # 4 hours from arriving, then one more
    ]
    still_there = level_stays(events[:5], limits.__getitem__, WorkCalendar(), ended=False)
    assert still_there[-1] == Stay("street", hours(10), None, hours(14))
    waiting = level_stays(events[:1], limits.__getitem__, WorkCalendar(), ended=False)
    assert waiting == [Stay("community", hours(0), None, None)]  # not filed yet: no clock runs
