"""CLI for users and the workflow, both back ends."""

from __future__ import annotations

from sqlalchemy import select

from gridflow.models import Grid, User, Worker
from tests.helpers import invoke, load_fixture_city


def test_user_add_makes_a_grid_worker_the_owner_of_his_grids(runner, tmp_path, db, client):
    load_fixture_city(runner, tmp_path, with_entities=False)
    result = invoke(
        runner,
        "user",
        "add",
        "wang",
        "--role",
        "grid_worker",
        "--grids",
        "410902001001001,410902001001002",
        "--password",
        "pw-123456",
    )
    assert result.exit_code == 0 and "user wang (grid_worker) saved" in result.output
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "wang")).one()
        owners = set(s.scalars(select(Grid.worker_id).where(Grid.code.in_(["410902001001001", "410902001001002"]))))
        assert owners == {user.worker_id} and s.get(Worker, user.worker_id).staff_no == "wang"
    token = client.post("/api/v1/auth/token", json={"username": "wang", "password": "pw-123456"})
    assert token.status_code == 200 and token.json["user"]["role"] == "grid_worker"


def test_user_add_rejects_bad_input(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    for args, message in (
        (["--role", "mediator"], "give --division"),
        (["--role", "mediator", "--division", "999"], "no division with code 999"),
        (["--role", "grid_worker", "--grids", "410902001001999"], "no grid with code"),
        (["--role", "supervisor", "--division", "410902", "--grids", "410902001001001"], "only a grid worker"),
    ):
        result = invoke(runner, "user", "add", "x", *args)
        assert result.exit_code != 0 and message in result.output, result.output
    with db.session() as s:
        assert s.scalars(select(User)).all() == []


def test_a_random_password_is_printed_when_none_is_given(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    result = invoke(runner, "user", "add", "boss", "--role", "supervisor", "--division", "410900")
    assert result.exit_code == 0 and "password: " in result.output


def test_the_workflow_prints_as_mermaid_and_as_a_table(runner):
    mermaid = invoke(runner, "workflow", "--format", "mermaid")
    assert mermaid.exit_code == 0 and "stateDiagram-v2" in mermaid.output and "escalate" in mermaid.output
    rows = invoke(runner, "workflow", "--format", "table")
    assert rows.exit_code == 0 and "acts_at_level" in rows.output


def test_the_landing_page_is_chinese_by_default_english_on_request_and_needs_no_internet(client):
    page = client.get("/")
    assert page.status_code == 200 and "网格化服务管理" in page.text and "工作日" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no external asset
    english = client.get("/?lang=en")
    assert "grid service management" in english.text and "working days" in english.text
    assert "grid service management" in client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
