"""`gridflow user …` (both back ends): passwords never on the command line, names never silently
reused, the same services and audit as the admin API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gridflow.models import Grid, User, Worker
from tests.helpers import invoke, load_fixture_city

PW = "wang-password-1"


@pytest.fixture
def city(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)


def user(runner, *args, input=None):
    return runner.invoke(args=["gridflow", "user", *args], input=input, catch_exceptions=False)


def can_log_in(client, name, password) -> bool:
    return client.post("/api/v1/auth/token", json={"username": name, "password": password}).status_code == 200


def test_user_add_takes_the_password_from_standard_input_never_from_the_command_line(runner, city, client):
    result = user(
        runner, "add", "wang", "--role", "mediator", "--division", "410902001", "--password-stdin", input=f"{PW}\n"
    )
    assert result.exit_code == 0, result.output
    assert "user wang (mediator) created" in result.output and PW not in result.output
    assert can_log_in(client, "wang", PW)
    gone = runner.invoke(args=["gridflow", "user", "add", "x", "--role", "admin", "--password", PW])
    assert gone.exit_code == 2 and "No such option '--password'" in gone.output


def test_without_password_stdin_the_password_is_asked_for_twice(runner, city, client):
    mismatch = user(runner, "add", "boss", "--role", "admin", input=f"{PW}\nsomething else\n{PW}\n{PW}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert mismatch.output.count("Password: ") == 2 and "Repeat the password: " in mismatch.output
    assert PW not in mismatch.output  # the prompt does not echo it
    assert can_log_in(client, "boss", PW)


def test_spaces_around_a_password_from_standard_input_are_kept(runner, city, client):
    assert user(runner, "add", "boss", "--role", "admin", "--password-stdin", input="  spaced pass  \n").exit_code == 0
    assert can_log_in(client, "boss", "  spaced pass  ") and not can_log_in(client, "boss", "spaced pass")


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["--role", "mediator"], PW, "give --division"),
        (["--role", "mediator", "--division", "999999999"], PW, "no division with code 999999999"),
        (["--role", "mediator", "--division", "999"], PW, "must be a division code"),
        (["--role", "grid_worker", "--grids", "410902001001999"], PW, "no grid with code"),
        (["--role", "supervisor", "--division", "410902", "--grids", "410902001001001"], PW, "only a grid worker"),
        (["--role", "admin"], "short", "at least 10 characters"),
        (["--role", "admin"], "x", "at least 10 characters"),
        (["--role", "admin"], "", "no password on standard input"),
        (["--role", "admin", "--email", "nope"], PW, "e-mail address"),
    ],
)
def test_user_add_refuses_what_cannot_be_and_stores_nothing(runner, city, db, args, stdin, message):
    result = runner.invoke(args=["gridflow", "user", "add", "x", *args, "--password-stdin"], input=stdin + "\n")
    assert result.exit_code == 1 and message in result.output, result.output
    with db.session() as s:
        assert s.scalars(select(User)).all() == []


def test_user_add_refuses_a_name_that_exists_and_leaves_its_password_and_state_alone(runner, city, client):
    user(runner, "add", "wang", "--role", "admin", "--password-stdin", input=f"{PW}\n")
    user(runner, "disable", "wang")
    again = user(runner, "add", "wang", "--role", "admin", "--password-stdin", input="other-password\n")
    assert again.exit_code == 1 and "user wang exists" in again.output
    assert not can_log_in(client, "wang", "other-password")
    assert not can_log_in(client, "wang", PW)  # still disabled


def test_a_grid_worker_for_grids_whose_owner_has_no_worker_record_gets_one(runner, city, db):
    with db.session() as s:  # grid 002 without an owner
        s.scalars(select(Grid).where(Grid.code == "410902001001002")).one().worker_id = None
    result = user(
        runner,
        "add",
        "wang",
        "--role",
        "grid_worker",
        "--grids",
        "410902001001002",
        "--password-stdin",
        input=f"{PW}\n",
    )
    assert result.exit_code == 0, result.output
    with db.session() as s:
        account = s.scalars(select(User).where(User.username == "wang")).one()
        assert s.get(Worker, account.worker_id).staff_no == "wang"
        assert s.scalars(select(Grid.worker_id).where(Grid.code == "410902001001002")).one() == account.worker_id


def test_with_staff_no_the_account_is_linked_to_the_imported_worker_instead_of_replacing_him(runner, city, db):
    result = user(
        runner, "add", "wang", "--role", "grid_worker", "--staff-no", "W001001", "--password-stdin", input=f"{PW}\n"
    )
    assert result.exit_code == 0, result.output
    assert "W001001 网格员001" in result.output and "410902001001001" in result.output
    with db.session() as s:
        account = s.scalars(select(User).where(User.username == "wang")).one()
        worker = s.get(Worker, account.worker_id)
        assert worker.staff_no == "W001001" and account.display_name == "网格员001"
        assert s.scalars(select(Grid.code).where(Grid.worker_id == worker.id)).all() == ["410902001001001"]
        assert s.scalars(select(Worker).where(Worker.staff_no == "wang")).first() is None  # nobody made up


def test_user_list_show_set_disable_enable_and_passwd(runner, city, client):
    for name, args in (
        ("med", ["--role", "mediator", "--division", "410902001001"]),
        ("gw", ["--role", "grid_worker", "--grids", "410902001001003"]),
        ("east", ["--role", "mediator", "--division", "410922"]),
    ):
        assert user(runner, "add", name, *args, "--password-stdin", input=f"{PW}\n").exit_code == 0
    listed = user(runner, "list", "--division", "410902")
    assert listed.exit_code == 0 and "3 user(s)" not in listed.output and "2 user(s)" in listed.output
    assert "med " in listed.output and "gw " in listed.output and "east" not in listed.output
    as_json = json.loads(user(runner, "list", "--role", "mediator", "--json").output)
    assert [u["username"] for u in as_json] == ["east", "med"]
    shown = user(runner, "show", "gw")
    assert "grids     410902001001003" in shown.output and "role      grid_worker" in shown.output
    assert json.loads(user(runner, "show", "med", "--json").output)["division"]["code"] == "410902001001"

    changed = user(
        runner, "set", "med", "--division", "410902001", "--email", "med@example.cn", "--phone", "13911112222"
    )
    assert changed.exit_code == 0 and "410902001 中原路街道" in changed.output and "med@example.cn" in changed.output
    moved = user(runner, "set", "gw", "--grids", "410902001001001,410902001001004")
    assert "410902001001001, 410902001001004" in moved.output
    assert user(runner, "set", "med", "--email", "").exit_code == 0
    assert "email     -" in user(runner, "show", "med").output
    assert user(runner, "set", "med").exit_code == 1

    assert user(runner, "disable", "med").exit_code == 0 and not can_log_in(client, "med", PW)
    assert "DISABLED" in user(runner, "show", "med").output
    assert user(runner, "enable", "med").exit_code == 0 and can_log_in(client, "med", PW)
    assert user(runner, "passwd", "med", "--password-stdin", input="a new password\n").exit_code == 0
    assert can_log_in(client, "med", "a new password") and not can_log_in(client, "med", PW)
    unknown = user(runner, "passwd", "nobody", "--password-stdin", input="a new password\n")
    assert unknown.exit_code == 1 and "no user nobody" in unknown.output
    assert user(runner, "show", "nobody").exit_code == 1


def test_what_the_commands_change_is_in_the_audit_log_as_the_command_line(runner, city):
    user(runner, "add", "med", "--role", "mediator", "--division", "410902001001", "--password-stdin", input=f"{PW}\n")
    user(runner, "set", "med", "--role", "supervisor")
    user(runner, "passwd", "med", "--password-stdin", input="a new password\n")
    user(runner, "disable", "med")
    entries = json.loads(invoke(runner, "audit", "--subject", "user:med", "--json").output)
    assert [e["kind"] for e in entries] == ["user.create", "user.update", "user.password", "user.disable"]
    assert all(e["actor"].startswith("cli:") and e["client"] is None for e in entries)
