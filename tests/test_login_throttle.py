"""Guessing passwords: the throttle per user name and per client address, shared by every worker (it
lives in the database), read before any password is checked; unknown names cost what known ones do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from argon2 import PasswordHasher

from gridflow import create_app
from gridflow.db import get_db
from gridflow.people import passwords
from tests.cases_helpers import PASSWORD, setup_city
from tests.web_helpers import HTML, post_form

WRONG = "not the password"


@pytest.fixture
def city(runner, tmp_path, db):
    setup_city(runner, tmp_path, db)


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def login_entries(client, admin_address="10.9.9.9") -> list[tuple[str, str | None, str | None]]:
    token = login(client, "admin", PASSWORD, admin_address).json["token"]
    page = client.get("/api/v1/audit?kind=login&per_page=100", headers={"Authorization": f"Bearer {token}"}).json
    return [(e["kind"], e["subject"], e["client"]) for e in reversed(page["items"])]


def test_five_failures_for_one_name_refuse_even_the_right_password_until_the_window_passes(client, city):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert login(client, "med_comm", WRONG).status_code == 401
        refused = login(client, "med_comm", PASSWORD)
        assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_attempts"
        assert refused.headers["Retry-After"] == "900" and refused.json["error"]["retry_after"] == 900
        assert "15 minutes" in refused.json["error"]["message"]
        assert login(client, "med_comm", PASSWORD, "10.0.0.2").status_code == 429  # whatever the address
        assert login(client, "med_street", PASSWORD).status_code == 200  # other names are not held up
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        again = login(client, "med_comm", PASSWORD)
        assert again.status_code == 429 and again.headers["Retry-After"] == "300"
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert login(client, "med_comm", PASSWORD).status_code == 200


def test_twenty_failures_from_one_address_refuse_every_name_from_it(client, city):
    for i in range(20):
        assert login(client, f"nobody{i}", WRONG, "10.0.0.7").status_code == 401
    assert login(client, "gw1", PASSWORD, "10.0.0.7").status_code == 429
    assert login(client, "gw1", PASSWORD, "10.0.0.8").status_code == 200  # another address is not


def test_a_right_password_before_the_limit_starts_the_names_count_again(client, city):
    for _ in range(4):
        login(client, "gw2", WRONG)
    assert login(client, "gw2", PASSWORD).status_code == 200
    for _ in range(4):
        assert login(client, "gw2", WRONG).status_code == 401
    assert login(client, "gw2", PASSWORD).status_code == 200


def test_a_refused_attempt_checks_no_password(client, city, monkeypatch):
    for _ in range(5):
        login(client, "gw1", WRONG)
    checked = []
    monkeypatch.setattr(passwords, "password_matches", lambda *a: checked.append(a) or True)
    assert login(client, "gw1", PASSWORD).status_code == 429
    assert checked == []  # no Argon2 work for a throttled attempt


def test_the_counts_are_shared_by_every_worker_through_the_database(app, client, city, db_url, tmp_path):
    other_worker = create_app(
        {"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    try:
        for i in range(5):
            worker = client if i % 2 else other_worker.test_client()
            assert login(worker, "sup_comm", WRONG).status_code == 401
        assert login(other_worker.test_client(), "sup_comm", PASSWORD).status_code == 429
        assert login(client, "sup_comm", PASSWORD).status_code == 429
    finally:
        get_db(other_worker).dispose()


class RecordingHasher(PasswordHasher):
    """The suite's cheap hasher, noting each hash a password is verified against."""

    def __init__(self, verified: list):
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.verified = verified

    def verify(self, hash, password):  # noqa: A002 - argon2's own name
        self.verified.append(hash)
        return super().verify(hash, password)


def test_an_unknown_name_is_checked_against_a_dummy_hash_like_a_known_one(client, city, monkeypatch):
    verified: list[str] = []
    monkeypatch.setattr(passwords, "_hasher", RecordingHasher(verified))
    assert login(client, "no.such.user", PASSWORD).status_code == 401
    assert login(client, "gw1", WRONG).status_code == 401
    dummy, known = verified
    assert dummy.startswith("$argon2") and dummy.split("$")[:4] == known.split("$")[:4]  # the same cost
    # A disabled account costs the same too, and the right password does not tell it apart.
    token = login(client, "admin", PASSWORD).json["token"]
    gw3 = client.get("/api/v1/users?q=gw3", headers={"Authorization": f"Bearer {token}"}).json["items"][0]
    client.post(f"/api/v1/users/{gw3['id']}/disable", headers={"Authorization": f"Bearer {token}"})
    disabled = login(client, "gw3", PASSWORD)
    assert disabled.status_code == 401 and disabled.json == login(client, "no.such.user", PASSWORD).json
    assert len(verified) == 5


def test_every_attempt_that_is_checked_is_in_the_audit_log_with_the_address(client, city):
    login(client, "gw1", WRONG, "10.1.1.1")
    login(client, "nobody", WRONG, "10.1.1.2")
    login(client, "gw1", PASSWORD, "10.1.1.3")
    for _ in range(5):
        login(client, "gw2", WRONG, "10.1.1.4")
    login(client, "gw2", PASSWORD, "10.1.1.4")  # refused, not checked: not logged one by one
    assert login_entries(client) == [
        ("login.failure", "user:gw1", "10.1.1.1"),
        ("login.failure", "user:nobody", "10.1.1.2"),
        ("login.success", "user:gw1", "10.1.1.3"),
        *[("login.failure", "user:gw2", "10.1.1.4")] * 5,
        ("login.throttled", "user:gw2", "10.1.1.4"),
        ("login.success", "user:admin", "10.9.9.9"),
    ]


def test_the_login_page_shows_the_refusal_on_the_form_and_answers_429(client, city):
    for _ in range(5):
        assert post_form(client, "/login", {"username": "med_comm", "password": WRONG}).status_code == 422
    page = post_form(client, "/login", {"username": "med_comm", "password": PASSWORD})
    assert page.status_code == 429 and 880 < int(page.headers["Retry-After"]) <= 900
    assert "有问题需要处理" in page.text and "失败次数过多：请在 15 分钟后再试" in page.text
    assert 'value="med_comm"' in page.text
    assert client.get("/start", headers=HTML).status_code == 302  # not logged in


def test_wrong_old_passwords_count_as_failed_logins(client, city):
    token = login(client, "gw1", PASSWORD).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(5):
        wrong = client.post(
            "/api/v1/auth/password", json={"old_password": WRONG, "new_password": "x" * 12}, headers=auth
        )
        assert wrong.status_code == 422 and wrong.json["error"]["field"] == "old_password"
    right = client.post(
        "/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "x" * 12}, headers=auth
    )
    assert right.status_code == 429
    assert login(client, "gw1", PASSWORD).status_code == 429


def test_the_limits_and_window_are_settings(app, client, city):
    app.config.update(LOGIN_MAX_FAILURES_PER_USER=2, LOGIN_WINDOW_SECONDS=60)
    login(client, "gw1", WRONG)
    login(client, "gw1", WRONG)
    refused = login(client, "gw1", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60


def test_the_password_page_shows_the_refusal_on_its_form_too(client, city):
    from tests.web_helpers import web_login

    web_login(client, "med_comm")
    for _ in range(5):
        page = post_form(client, "/account/password", {"old_password": WRONG, "new_password": "x" * 12})
        assert page.status_code == 422
    page = post_form(client, "/account/password", {"old_password": PASSWORD, "new_password": "x" * 12})
    assert page.status_code == 429 and 880 < int(page.headers["Retry-After"]) <= 900
    assert "失败次数过多" in page.text and "修改密码" in page.text


def test_a_worker_remembers_a_hold_and_refuses_without_reading_the_database_again(client, city, db):
    from sqlalchemy import event

    for _ in range(5):
        login(client, "gw1", WRONG)
    statements: list[str] = []
    listener = lambda conn, cursor, sql, *rest: statements.append(sql)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert login(client, "gw1", PASSWORD).status_code == 429  # learnt from the database …
        learnt = len(statements)
        assert login(client, "gw1", PASSWORD).status_code == 429  # … then remembered
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert any("login_throttle" in sql for sql in statements[:learnt])
    assert statements[learnt:] == []
