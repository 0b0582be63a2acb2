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
