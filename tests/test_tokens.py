"""Tokens and web sessions carry the user's token version: whatever must end them bumps it, and they
die at once — disabling, a new password, a change of role, area or grids, logging out."""

from __future__ import annotations

import pytest

from tests.cases_helpers import PASSWORD, Api, setup_city
from tests.web_helpers import HTML, csrf_token, web_login

NEW_PASSWORD = "another passphrase"


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def user_id(api, name: str) -> int:
    return api.get("admin", f"/api/v1/users?q={name}").json["items"][0]["id"]


def alive(api, user: str) -> bool:
    """Whether the token issued earlier still works."""
    answer = api.get(user, "/api/v1/queue")
    assert answer.status_code in (200, 401), answer.json
    return answer.status_code == 200


def test_a_token_carries_the_token_version_not_a_piece_of_the_password_hash(app, api, db):
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import select

    from gridflow.models import User
    from gridflow.people.tokens import TOKEN_SALT

    data = URLSafeTimedSerializer("test", salt=TOKEN_SALT).loads(api.token("gw1"))
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "gw1")).one()
    assert data == {"u": user.id, "v": user.token_version}
    assert not any(user.password_hash[-16:] in str(v) for v in data.values())


@pytest.mark.parametrize(
    "change, path, body",
    [
        ("disabling", "/disable", None),
        ("a new password", "/password", {"password": NEW_PASSWORD}),
        ("a new role", "", {"role": "supervisor"}),
        ("a new area", "", {"division": "410902001"}),
    ],
)
def test_an_administrators_change_ends_the_users_tokens_and_sessions_at_once(api, change, path, body):
    page = api.client.application.test_client()
    web_login(page, "med_comm")
    api.token("med_comm")
    assert alive(api, "med_comm") and page.get("/start", headers=HTML).status_code == 200
    uid = user_id(api, "med_comm")
    method = api.client.post if path else api.client.patch
    answer = method(f"/api/v1/users/{uid}{path}", json=body, headers=api.headers("admin"))
    assert answer.status_code == 200, (change, answer.json)
    assert not alive(api, "med_comm"), change
    assert page.get("/start", headers=HTML).status_code == 302, change  # the page session too


def test_new_grids_end_the_grid_workers_tokens_and_the_previous_owners(api):
    api.token("gw1"), api.token("gw2"), api.token("gw3")
    patched = api.client.patch(
        f"/api/v1/users/{user_id(api, 'gw1')}",
        json={"grids": ["410902001001001", "410902001001003"]},
        headers=api.headers("admin"),
    )
    assert patched.status_code == 200 and [g["code"] for g in patched.json["grids"]] == [
        "410902001001001",
        "410902001001003",
    ]
    assert not alive(api, "gw1") and not alive(api, "gw2")  # 003 was gw2's
    assert alive(api, "gw3")  # untouched


def test_contact_details_and_names_end_nothing(api):
    api.token("med_comm")
    patched = api.client.patch(
        f"/api/v1/users/{user_id(api, 'med_comm')}",
        json={"email": "med@example.cn", "phone": "13900001111", "name": "王调解"},
        headers=api.headers("admin"),
    )
    assert patched.status_code == 200 and patched.json["email"] == "med@example.cn"
    assert alive(api, "med_comm")


def test_logging_out_through_the_api_ends_every_token_and_page_session_of_the_user(api):
    page = api.client.application.test_client()
    web_login(page, "gw1")
    first = api.token("gw1")
    second = api.client.post("/api/v1/auth/token", json={"username": "gw1", "password": PASSWORD}).json["token"]
    out = api.client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {second}"})
    assert out.status_code == 204 and out.get_data() == b""
    for token in (first, second):
        assert api.client.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert page.get("/start", headers=HTML).status_code == 302
    assert api.client.post("/api/v1/auth/logout").status_code == 401


def test_logging_out_on_the_page_ends_the_users_api_tokens_too(api):
    page = api.client.application.test_client()
    web_login(page, "gw1")
    api.token("gw1")
    page.post("/logout", data={"csrf_token": csrf_token(page.get("/start").text)})
    assert not alive(api, "gw1")


def test_changing_ones_own_password_through_the_api_answers_a_new_token_and_ends_the_old(api):
    old = api.token("gw1")
    changed = api.client.post(
        "/api/v1/auth/password",
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Authorization": f"Bearer {old}"},
    )
    assert changed.status_code == 200 and changed.json["user"]["username"] == "gw1"
    assert changed.headers["Cache-Control"] == "no-store"
    assert api.client.get("/api/v1/queue", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json['token']}"}
    assert api.client.get("/api/v1/queue", headers=fresh).status_code == 200
    assert api.client.post("/api/v1/auth/token", json={"username": "gw1", "password": NEW_PASSWORD}).status_code == 200
    short = api.client.post(
        "/api/v1/auth/password", json={"old_password": NEW_PASSWORD, "new_password": "gw1"}, headers=fresh
    )
    assert short.status_code == 422 and short.json["error"]["field"] == "new_password"


def test_a_token_signed_with_another_key_or_an_old_format_is_refused(app, api):
    from itsdangerous import URLSafeTimedSerializer

    from gridflow.people.tokens import TOKEN_SALT

    uid = user_id(api, "gw1")
    forged = URLSafeTimedSerializer("not the key", salt=TOKEN_SALT).dumps({"u": uid, "v": 1})
    old_format = URLSafeTimedSerializer("test", salt=TOKEN_SALT).dumps({"u": uid, "p": "x" * 16})
    for token in (forged, old_format):
        assert api.client.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 401
