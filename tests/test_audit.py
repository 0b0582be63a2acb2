"""The audit log: append-only (the database refuses UPDATE and DELETE), chained with the keyed chain of
the case timelines and anchored, so that `gridflow audit --verify` names the first entry removed,
altered or reordered, and entries removed from the end; read by administrators, filtered."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from gridflow.audit import read
from gridflow.audit.log import Caller, record, record_setting_change
from gridflow.chainkeys import chain_keys
from gridflow.hashchain import KeyRing
from gridflow.workflow.rules import ADMIN, Actor
from tests.cases_helpers import PASSWORD, Api, setup_city
from tests.helpers import invoke, load_fixture_city, write_json
from tests.web_helpers import csrf_token, web_login


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def caller(app, name="auditor") -> Caller:
    return Caller(Actor(7, "审计员", ADMIN, username=name), chain_keys(app.config), "10.0.0.9")


def write(app, db, n: int) -> None:
    with db.session(write=True) as s:
        for i in range(n):
            record(s, caller(app), "test.entry", f"thing:{i}", {"i": i})


@contextmanager
def bypassing_triggers(db):
    """A connection on which the append-only triggers do not fire: what someone with the database's
    owner rights could do.  The chain must show it."""
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        yield conn


def verify(runner):
    return invoke(runner, "audit", "--verify")


def test_an_intact_log_verifies_and_an_empty_one_too(app, db, runner):
    assert read.verify(db, chain_keys(app.config))[0].valid
    write(app, db, 5)
    check, count = read.verify(db, chain_keys(app.config))
    assert check.valid and count == 5
    result = verify(runner)
    assert result.exit_code == 0 and "5 entries, chain and anchor valid" in result.output


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET kind = 'x'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_or_remove_entries(app, db, statement):
    from sqlalchemy.exc import DBAPIError

    write(app, db, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(statement))
    assert read.verify(db, chain_keys(app.config))[1] == 2


def test_nor_may_the_anchor_be_removed(app, db):
    from sqlalchemy.exc import DBAPIError

    write(app, db, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_anchor"))


@pytest.mark.parametrize(
    "tamper, broken_at, reason",
    [
        ("UPDATE audit_event SET data = '[]' WHERE seq = 3", 3, "content does not match"),
        ("DELETE FROM audit_event WHERE seq = 2", 2, "entry 2 is missing"),
        ("DELETE FROM audit_event WHERE seq >= 4", 4, "entries 4–5 are missing"),
        ("UPDATE audit_event SET seq = seq + 100 WHERE seq IN (2, 3)", 2, "missing"),
        ("UPDATE audit_event SET at = '2020-01-01 00:00:00' WHERE seq = 5", 5, "content does not match"),
    ],
)
def test_a_removed_altered_or_reordered_entry_is_named_by_verify(app, db, runner, tamper, broken_at, reason):
    write(app, db, 5)
    with bypassing_triggers(db) as conn:
        conn.execute(text(tamper))
    check, _ = read.verify(db, chain_keys(app.config))
    assert not check.valid and check.broken_at == broken_at and reason in check.reason
    result = runner.invoke(args=["gridflow", "audit", "--verify"])
    assert result.exit_code == 1 and f"audit log broken at entry {broken_at}" in result.output


def test_swapping_two_entries_is_seen(app, db):
    write(app, db, 4)
    with bypassing_triggers(db) as conn:
        conn.execute(text("UPDATE audit_event SET seq = 100 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_event SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = 100"))
    check, _ = read.verify(db, chain_keys(app.config))
    assert not check.valid and check.broken_at == 2


def test_entries_removed_from_the_end_with_the_anchor_rewritten_without_the_key_are_seen(app, db):
    write(app, db, 3)
    with bypassing_triggers(db) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
        head = conn.execute(text("SELECT hash FROM audit_event WHERE seq = 2")).scalar()
        forged = KeyRing.from_secrets("a guessed key").seal("audit", 2, head).seal
        conn.execute(text("UPDATE audit_anchor SET length = 2, head = :h, seal = :s"), {"h": head, "s": forged})
    check, _ = read.verify(db, chain_keys(app.config))
    assert not check.valid and "seal" in check.reason


def test_the_setting_change_hook_records_old_and_new_values(app, db):
    with db.session(write=True) as s:
        record_setting_change(s, caller(app), "WARN_SHARE", 0.8, 0.7)
    [entry] = read.search(db, caller(app).actor, read_query(kind="setting.change")).items
    assert entry.subject == "setting:WARN_SHARE" and entry.data == {"old": 0.8, "new": 0.7}
    assert entry.actor == "auditor" and entry.client == "10.0.0.9"


def read_query(**filters):
    from gridflow.schemas.audit import AuditSearch
    from gridflow.schemas.parse import parse_query

    return parse_query(AuditSearch, filters)


def test_the_api_filters_by_actor_kind_subject_and_time_newest_first_with_paging(api, app, db):
    for user in ("gw1", "med_comm", "gw1"):
        api.client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
    api.client.post("/api/v1/auth/token", json={"username": "gw1", "password": "wrong password"})
    logins = api.get("admin", "/api/v1/audit?kind=login&per_page=2").json
    assert logins["total"] == 5 and logins["per_page"] == 2  # four above and the admin's own
    assert [e["kind"] for e in logins["items"]] == ["login.success", "login.failure"]  # newest first
    assert logins["items"][0]["subject"] == "user:admin"
    gw1 = api.get("admin", "/api/v1/audit?actor=gw1").json["items"]
    assert [e["kind"] for e in gw1] == ["login.failure", "login.success", "login.success"]
    failed = api.get("admin", "/api/v1/audit?kind=login.failure").json["items"]
    assert [e["subject"] for e in failed] == ["user:gw1"] and failed[0]["data"] == {"known": True}
    now = api.get("admin", "/api/v1/audit?kind=login").json["items"][0]["at"]
    assert now.endswith("+08:00")
    assert api.get("admin", f"/api/v1/audit?kind=login&from={now[:10]}").json["total"] == 5
    assert api.get("admin", "/api/v1/audit?kind=login&to=2020-01-01").json["total"] == 0
    imports = api.get("admin", "/api/v1/audit?subject=file:grids.geojson").json["items"]
    assert [e["kind"] for e in imports] == ["import.grids"]
    bad = api.get("admin", "/api/v1/audit?from=yesterday")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "from"
    assert api.get("admin", "/api/v1/audit?kind=DROP TABLE").status_code == 422


def test_imports_are_audited_with_the_files_hash_and_counts(app, db, runner, tmp_path):
    load_fixture_city(runner, tmp_path)
    entries = {e.kind: e for e in read.entries(db, read.filtered(kind="import"))}
    assert set(entries) == {"import.divisions", "import.grids", "import.entities"}
    grids = entries["import.grids"]
    raw = (tmp_path / "grids.geojson").read_bytes()
    assert grids.data["sha256"] == hashlib.sha256(raw).hexdigest()
    assert grids.data["features"] == grids.data["created"] == len(json.loads(raw)["features"])
    assert grids.data["updated"] == 0 and grids.actor.startswith("cli:") and grids.client is None
    assert read.verify(db, chain_keys(app.config))[0].valid


def test_a_grid_import_that_hands_grids_over_records_each_change_and_ends_the_owners_sessions(api, runner, tmp_path):
    from tests import fixtures as fx

    before = api.token("gw1")
    grids = fx.grids()
    for feature in grids["features"]:
        if feature["properties"]["code"] == "410902001001001":
            feature["properties"]["worker"] = {"staff_no": "W777", "name": "接手的网格员"}
    result = invoke(runner, "import-grids", write_json(tmp_path, "again.geojson", grids))
    assert result.exit_code == 0, result.output
    changes = api.get("admin", "/api/v1/audit?kind=grid.owner&per_page=100").json["items"]
    moved = {e["subject"]: e["data"]["to"] for e in changes}
    assert moved["grid:410902001001001"] == "W777"
    assert api.client.get("/api/v1/queue", headers={"Authorization": f"Bearer {before}"}).status_code == 401


def test_the_command_lists_entries_oldest_first_with_filters(api, runner):
    api.client.post("/api/v1/auth/token", json={"username": "gw1", "password": "wrong password"})
    api.token("gw2")
    listed = invoke(runner, "audit", "--kind", "login")
    lines = listed.output.strip().splitlines()
    assert "login.failure" in lines[0] and "user:gw1" in lines[0] and "known=True" in lines[0]
    assert "login.success" in lines[1] and "127.0.0.1" in lines[1] and "+08:00" in lines[1]
    entries = json.loads(invoke(runner, "audit", "--kind", "login", "--since", "2020-01-01", "--json").output)
    assert [e["actor"] for e in entries] == ["gw1", "gw2"]
    assert json.loads(invoke(runner, "audit", "--until", "2020-01-01", "--json").output) == []
    assert invoke(runner, "audit", "--limit", "1", "--json").output.count('"seq"') == 1
    bad = runner.invoke(args=["gridflow", "audit", "--since", "last week"])
    assert bad.exit_code == 1 and "ISO 8601" in bad.output


def test_logins_and_logouts_on_the_pages_are_audited(api, client):
    web_login(client, "med_comm")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    entries = api.get("admin", "/api/v1/audit?actor=med_comm").json["items"]
    assert [(e["kind"], e["subject"]) for e in entries] == [
        ("logout", "user:med_comm"),
        ("login.success", "user:med_comm"),
    ]


def test_the_access_log_names_the_user_of_a_page_session(api, client):
    import logging

    from gridflow.logs import RequestContext

    web_login(client, "med_comm")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    handler = Keep()
    handler.addFilter(RequestContext())
    logger = logging.getLogger("gridflow.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel("INFO")
    try:
        client.get("/start")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    me = api.get("admin", "/api/v1/users?q=med_comm").json["items"][0]
    assert me["username"] == "med_comm" and [r.user_id for r in seen] == [me["id"]]
