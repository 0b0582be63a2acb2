"""Stored timelines: the keyed chain, its anchor on the case, the mediation record, keys and rotation;
`gridflow verify` on both back ends."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from gridflow import create_app
from gridflow.cases.policy import Policy
from gridflow.cases.verify import verify
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.hashchain import EMPTY, LEGACY_KEY_ID, KeyRing, key_id_of, legacy_hash
from gridflow.models import Agreement, Case, CaseEvent, MediationSession
from gridflow.workflow.timeline import content, scope
from tests.cases_helpers import Api, setup_city
from tests.helpers import invoke


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def mediated(api) -> dict:
    """A dispute claimed, mediated twice, resolved with a written agreement: 6 events."""
    case = ok(api.report("gw1"), 201)
    case = ok(api.event("med_comm", case, "claim"))
    case = ok(api.event("med_comm", case, "record", session={"summary": "双方到场", "participants": "张三、李四"}))
    case = ok(api.event("med_comm", case, "record", session={"summary": "第二次调解"}))
    agreement = {"terms": "李四赔偿维修费2000元", "performance_deadline": "2026-12-31"}
    return ok(api.event("med_comm", case, "resolve", outcome="达成协议", agreement=agreement))


def verify_output(runner, case_id: int):
    result = invoke(runner, "verify", str(case_id))
    return result.exit_code, result.output


def sql(db, statement: str, **params) -> None:
    with db.session() as s:
        s.execute(text(statement), params)


def test_an_intact_timeline_verifies_and_its_anchor_is_on_the_case(api, runner, db, app):
    case = mediated(api)
    assert verify_output(runner, case["id"]) == (0, f"case {case['id']}: timeline chain valid\n")
    timeline = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}/timeline"))
    assert timeline["chain_valid"] and timeline["chain_broken_at"] is None
    ring = Policy.from_config(app.config).chain
    assert {e["key_id"] for e in timeline["events"]} == {ring.current_id}
    with db.session() as s:
        row = s.get(Case, case["id"])
        assert (row.chain_length, row.chain_head) == (6, timeline["events"][-1]["hash"])
        assert ring.seal_holds(scope(row.id), ring.seal(scope(row.id), 6, row.chain_head))


def test_a_reported_case_is_anchored_by_the_lean_report_path(api, db):
    filed = ok(api.report("gw1"), 201)  # report + file
    waiting = ok(api.report("med_comm"), 201)  # report only
    with db.session() as s:
        for case, n in ((filed, 2), (waiting, 1)):
            row = s.get(Case, case["id"])
            last = s.scalars(select(CaseEvent.hash).where(CaseEvent.case_id == row.id, CaseEvent.seq == n)).one()
            assert (row.chain_length, row.chain_head, row.chain_seal is not None) == (n, last, True)


@pytest.mark.parametrize("deleted", [[6], [5, 6], [3], [1, 2, 3, 4, 5, 6]])
def test_deleted_events_are_named_even_the_last_ones(api, runner, db, deleted):
    case = mediated(api)
    sql(db, f"DELETE FROM case_event WHERE case_id = :c AND seq IN ({', '.join(map(str, deleted))})", c=case["id"])
    status, output = verify_output(runner, case["id"])
    assert status != 0 and f"broken at event {deleted[0]}:" in output, output


def test_a_shortened_timeline_with_its_anchor_rewritten_is_caught(api, runner, db):
    case = mediated(api)
    sql(db, "DELETE FROM case_event WHERE case_id = :c AND seq > 4", c=case["id"])
    with db.session() as s:  # the forger makes the case row agree with what is left (he has no key)
        head = s.scalars(select(CaseEvent.hash).where(CaseEvent.case_id == case["id"], CaseEvent.seq == 4)).one()
        s.execute(update(Case).where(Case.id == case["id"]).values(chain_length=4, chain_head=head))
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 5: the anchor (length and head) does not match its seal" in output


def test_an_edited_event_is_named(api, runner, db):
    case = mediated(api)
    sql(db, "UPDATE case_event SET reason = 'nothing happened' WHERE case_id = :c AND seq = 3", c=case["id"])
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 3: content does not match its hash" in output
    assert ok(api.get("admin", f"/api/v1/cases/{case['id']}/timeline"))["chain_broken_at"] == 3


def test_reordered_events_are_named(api, runner, db):
    case = mediated(api)
    sql(db, "UPDATE case_event SET seq = 100 WHERE case_id = :c AND seq = 3", c=case["id"])
    sql(db, "UPDATE case_event SET seq = 3 WHERE case_id = :c AND seq = 4", c=case["id"])
    sql(db, "UPDATE case_event SET seq = 4 WHERE case_id = :c AND seq = 100", c=case["id"])
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 3:" in output


def rehash_from(db, case_id: int, seq: int, ring: KeyRing | None) -> None:
    """What a forger does: rewrite event `seq` and hash it and every later event again, with a key of
    his own (or plain SHA-256), and make the case's anchor agree."""
    with db.session() as s:
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        prev = events[seq - 2].hash if seq > 1 else EMPTY.head
        events[seq - 1].reason = "nothing happened"
        for e in events[seq - 1 :]:
            e.prev_hash = prev
            e.key_id = ring.current_id if ring else LEGACY_KEY_ID
            e.hash = ring.entry_hash(ring.current_id, prev, content(e)) if ring else legacy_hash(prev, content(e))
            prev = e.hash
        seal = ring.seal(scope(case_id), len(events), prev).seal if ring else None
        s.execute(update(Case).where(Case.id == case_id).values(chain_head=prev, chain_seal=seal))


@pytest.mark.parametrize("forger", ["own key", "own key, our key id", "plain sha256"])
def test_a_timeline_rehashed_without_the_chain_key_is_named_at_the_first_rewritten_event(api, runner, db, forger):
    case = mediated(api)
    forged = KeyRing.from_secrets("a guessed key") if forger != "plain sha256" else None
    if forger == "own key, our key id":
        with db.session() as s:
            real_id = s.scalars(select(CaseEvent.key_id).limit(1)).one()
        forged = KeyRing(real_id, {real_id: b"a guessed key"})
    rehash_from(db, case["id"], 3, forged)
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 3:" in output, output


def test_the_mediation_record_is_covered_by_the_chain(api, runner, db):
    case = mediated(api)
    timeline = ok(api.get("med_comm", f"/api/v1/cases/{case['id']}/timeline"))
    record = [e["data"] for e in timeline["events"] if e["event"] == "record"]
    assert record == [
        {"session": {"summary": "双方到场", "participants": "张三、李四"}},
        {"session": {"summary": "第二次调解", "participants": None}},
    ]
    with db.session() as s:
        first = s.scalars(select(MediationSession).order_by(MediationSession.id)).first()
        first.summary = "一方缺席"
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 4: the stored session differs" in output
    with db.session() as s:
        s.scalars(select(MediationSession).order_by(MediationSession.id)).first().summary = "双方到场"
        s.scalars(select(Agreement)).one().terms = "李四赔偿维修费200元"
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 6: the stored agreement differs" in output


def test_follow_up_visits_are_covered_by_the_chain(api, runner, db):
    case = ok(api.event("gw1", mediated(api), "verify"))
    case = ok(api.event("gw1", case, "follow_up", visit={"notes": "已履行", "performed": True}))
    assert verify_output(runner, case["id"])[0] == 0
    sql(db, "UPDATE follow_up SET performed = false WHERE case_id = :c", c=case["id"])
    status, output = verify_output(runner, case["id"])
    assert status != 0 and "broken at event 8: the stored visit differs" in output


def test_verify_all_names_every_broken_case(api, runner, db):
    good, bad = mediated(api), mediated(api)
    result = invoke(runner, "verify", "--all")
    assert result.exit_code == 0 and "2 case(s) verified, 0 broken" in result.output
    sql(db, "DELETE FROM case_event WHERE case_id = :c AND seq = 6", c=bad["id"])
    result = invoke(runner, "verify", "--all")
    assert result.exit_code == 1 and "2 case(s) verified, 1 broken" in result.output
    assert f"case {bad['id']}: timeline chain broken at event 6" in result.output
    assert f"case {good['id']}:" not in result.output
    assert invoke(runner, "verify").exit_code != 0  # a case or --all
    assert "no case 999" in invoke(runner, "verify", "999").output


# -- the chain key: a setting, or made once in the instance folder; rotation ----------------------
def app_with(db_url: str, instance: Path, **settings):
    return create_app(
        {"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(instance)} | settings
    )


def key_ids(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(CaseEvent.key_id).order_by(CaseEvent.case_id, CaseEvent.seq)))


def test_without_a_setting_the_key_is_made_once_in_the_instance_folder(api, app, db, db_url, tmp_path):
    case = ok(api.report("gw1"), 201)
    key_file = Path(app.config["INSTANCE_PATH"]) / "chain.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_ids(db) == [key_id_of(key_file.read_text().strip())] * 2
    # Another process of the same installation reuses it.
    other = app_with(db_url, Path(app.config["INSTANCE_PATH"]))
    try:
        assert verify(get_db(other), Policy.from_config(other.config).chain, case["id"]).valid
    finally:
        get_db(other).dispose()


def test_the_chain_key_setting_is_used_and_rotates(runner, tmp_path, db_url, db):
    setup_city(runner, tmp_path, db)  # (users; the fixture app only loads data)
    instance = tmp_path / "elsewhere"

    def run(**settings):
        other = app_with(db_url, instance, **settings)
        return other, Api(other.test_client(), {})

    first, first_api = run(CHAIN_KEY="key-2026")
    case = ok(first_api.report("gw1"), 201)
    assert key_ids(db) == [key_id_of("key-2026")] * 2 and not (instance / "chain.key").exists()
    get_db(first).dispose()

    rotated, rotated_api = run(CHAIN_KEY="key-2027", CHAIN_RETIRED_KEYS="key-2026")
    ok(rotated_api.event("med_comm", case, "claim"))
    assert key_ids(db) == [key_id_of("key-2026")] * 2 + [key_id_of("key-2027")]
    assert invoke(rotated.test_cli_runner(), "verify", str(case["id"])).exit_code == 0
    get_db(rotated).dispose()

    forgotten, _ = run(CHAIN_KEY="key-2027")  # the retired key dropped: old events no longer verify
    result = invoke(forgotten.test_cli_runner(), "verify", str(case["id"]))
    assert result.exit_code != 0 and "broken at event 1: hashed with key" in result.output
    get_db(forgotten).dispose()


def test_retired_keys_come_from_the_environment(monkeypatch):
    from gridflow import settings

    monkeypatch.setenv("GRIDFLOW_CHAIN_KEY", "key-2027")
    monkeypatch.setenv("GRIDFLOW_CHAIN_RETIRED_KEYS", "key-2025, key-2026")
    values, _ = settings.load(overrides={"TESTING": True})
    assert values["CHAIN_KEY"] == "key-2027"
    assert values["CHAIN_RETIRED_KEYS"] == "key-2025, key-2026"
    ring = chain_keys(values)
    assert ring.current_id == key_id_of("key-2027") and set(ring.secrets) == {
        key_id_of(k) for k in ("key-2025", "key-2026", "key-2027")
    }
    assert chain_keys(values | {"CHAIN_RETIRED_KEYS": "key-2025,key-2026"}) == ring  # spaces or none
