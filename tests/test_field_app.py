"""The field app's server side (/m/): login, the long-lived revocable session, the token for the app's
API calls, the service worker and manifest; the duplicate look-up before sending (both back ends)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from tests.cases_helpers import WEST_NW, WEST_SW, Api, setup_city
from tests.web_helpers import HTML, post_form


@pytest.fixture
def city(runner, tmp_path, db):
    setup_city(runner, tmp_path, db)


def field_login(client, username: str = "gw1"):
    answer = post_form(client, "/m/", {"username": username, "password": "test-password"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/m/", answer.text
    return answer


def app_csrf(client) -> str:
    shell = client.get("/m/", headers=HTML)
    return re.search(r'data-csrf="([^"]+)"', shell.text).group(1)


def test_m_shows_the_login_form_with_username_and_password_until_logged_in(client, city):
    page = client.get("/m/", headers=HTML)
    assert page.status_code == 200 and 'name="username"' in page.text and 'name="password"' in page.text
    assert "X-Field-Page" not in page.headers  # the service worker never keeps the login form
    wrong = post_form(client, "/m/", {"username": "gw1", "password": "not-the-password"})
    assert wrong.status_code == 422 and "用户名或密码错误" in wrong.text


def test_logged_in_m_is_the_app_shell_with_my_grids_and_no_inline_script(client, city):
    field_login(client)
    shell = client.get("/m/", headers=HTML)
    assert shell.status_code == 200 and shell.headers["X-Field-Page"] == "app"
    assert 'data-grids="410902001001001 410902001001002"' in shell.text
    assert "<script>" not in shell.text and "style=" not in shell.text
    words = json.loads(re.search(r"data-words=\"([^\"]+)\"", shell.text).group(1).replace("&#34;", '"'))
    assert words["status_waiting"] == "等待发送" and words["state_reported"]


def test_the_field_session_outlives_a_desk_session_and_ends_with_logout(client, city, app):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    field_login(client)
    cookie = client.get_cookie("gridflow_session")
    assert cookie.expires is None or cookie.expires.timestamp() - time.time() > 29 * 24 * 3600
    time.sleep(2.1)  # past the desk's lifetime: a field login still holds
    assert client.get("/m/", headers=HTML).headers.get("X-Field-Page") == "app"
    token = client.post("/m/token", headers={"X-CSRFToken": app_csrf(client), "Accept": "application/json"})
    assert token.status_code == 200
    bearer = {"Authorization": "Bearer " + token.json["token"]}
    assert client.get("/api/v1/queue", headers=bearer).status_code == 200
    out = client.post("/m/logout", data={"csrf_token": app_csrf(client)}, headers=HTML)
    assert out.status_code == 302 and out.headers["Location"] == "/m/?ended=1"
    assert client.get("/api/v1/queue", headers=bearer).status_code == 401  # the app's token ended too
    assert "X-Field-Page" not in client.get("/m/", headers=HTML).headers


def test_a_desk_session_still_ends_after_its_own_lifetime(client, city, app):
    # Long enough for the login (a password hash) and a page on a loaded machine; then past it.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=4)
    post_form(client, "/login", {"username": "gw1", "password": "test-password"})
    assert client.get("/start", headers=HTML).status_code == 200
    time.sleep(4.2)
    assert client.get("/start", headers=HTML).status_code == 302


def test_the_token_needs_the_session_and_its_csrf_token(client, city):
    assert client.post("/m/token", headers={"Accept": "application/json"}).status_code in (400, 401)
    field_login(client)
    assert client.post("/m/token", headers={"Accept": "application/json"}).status_code == 400  # no CSRF token
    ok = client.post("/m/token", headers={"X-CSRFToken": app_csrf(client), "Accept": "application/json"})
    assert ok.status_code == 200 and ok.json["user"]["role"] == "grid_worker"


def test_the_service_worker_is_served_from_m_with_its_scope(client):
    sw = client.get("/m/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert sw.headers["Service-Worker-Allowed"] == "/m/"
    assert "gridflow-field" in sw.text
    manifest = client.get("/m/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json["scope"] == "/m/" and manifest.json["start_url"] == "/m/"


def test_duplicates_are_looked_up_before_sending(client, city):
    api = Api(client, {})
    gw1 = api.headers("gw1")
    first = client.post(
        "/api/v1/cases",
        json={"kind": "incident", "category": "G02", "description": "井盖缺失", "location": WEST_NW},
        headers=gw1,
    )
    assert first.status_code == 201
    q = f"category=G02&lon={WEST_NW['lon']}&lat={WEST_NW['lat']}"
    found = client.get(f"/api/v1/cases/duplicates?{q}", headers=gw1)
    assert found.status_code == 200 and [d["id"] for d in found.json["items"]] == [first.json["id"]]
    far = client.get(f"/api/v1/cases/duplicates?category=G02&lon={WEST_SW['lon']}&lat={WEST_SW['lat']}", headers=gw1)
    assert far.json["items"] == []
    other = client.get(f"/api/v1/cases/duplicates?{q}", headers=api.headers("gw3"))
    assert other.json["items"] == []  # only cases the caller may see
    assert client.get(f"/api/v1/cases/duplicates?{q}").status_code == 401
    assert client.get("/api/v1/cases/duplicates?category=G02&lon=500&lat=1", headers=gw1).status_code == 422
