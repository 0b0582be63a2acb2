"""Logging in and out and changing one's password on the pages (Flask test client, both back ends)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from gridflow.models import User
from gridflow.workflow.rules import ADMIN
from tests.cases_helpers import PASSWORD, setup_city
from tests.web_helpers import HTML, csrf_token, post_form, web_login

NEW_PASSWORD = "a new passphrase"


@pytest.fixture
def city(runner, tmp_path, db):
    setup_city(runner, tmp_path, db)


def test_the_login_form_has_the_fields_username_password_and_csrf_token(client):
    page = client.get("/login", headers=HTML)
    assert page.status_code == 200
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in page.text
    assert '<label class="field__label" for="username">用户名</label>' in page.text


def test_a_wrong_password_is_shown_next_to_the_field_and_in_the_summary_keeping_the_user_name(client, city):
    page = post_form(client, "/login", {"username": "med_comm", "password": "not-my-password"})
    assert page.status_code == 422
    assert "有问题需要处理" in page.text  # "There is a problem"
    assert '<a href="#password">用户名或密码错误</a>' in page.text
    assert 'id="password-error"' in page.text and 'aria-describedby="password-error"' in page.text
    assert 'value="med_comm"' in page.text  # what was typed stays …
    assert "not-my-password" not in page.text  # … except the password
    assert client.get("/start").status_code == 302  # not logged in


def test_an_empty_user_name_is_the_problem_named(client, city):
    page = post_form(client, "/login", {"username": " ", "password": PASSWORD})
    assert page.status_code == 422 and '<a href="#username">请输入用户名</a>' in page.text


def test_the_right_password_lands_by_role_and_the_start_page_shows_name_role_and_area(client, city):
    landed = web_login(client, "sup_street")
    assert landed.headers["Location"] == "/dashboard"  # supervisors land on their dashboard
    page = client.get("/start", headers=HTML)
    assert page.status_code == 200
    assert "sup_street" in page.text and "督导员" in page.text and "中原路街道" in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_a_mediator_lands_on_his_queue(client, city):
    landed = web_login(client, "med_street")
    assert landed.headers["Location"] == "/queue"
    page = client.get("/queue", headers=HTML)
    assert page.status_code == 200 and "med_street" in page.text and "调解员" in page.text


def test_a_grid_worker_sees_his_grids_and_an_admin_all_areas_as_his_area(client, city):
    web_login(client, "gw1")
    assert "2 个网格" in client.get("/start").text
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    web_login(client, "admin")
    assert "全部区域" in client.get("/start").text


def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(client, city):
    asked = client.get("/account/password")
    assert asked.status_code == 302 and asked.headers["Location"] == "/login?next=/account/password"
    back = post_form(client, "/login", {"username": "gw1", "password": PASSWORD, "next": "/account/password"})
    assert back.headers["Location"] == "/account/password"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        away = post_form(client, "/login", {"username": "gw1", "password": PASSWORD, "next": elsewhere})
        assert away.headers["Location"] == "/start", elsewhere
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})


def test_logout_is_a_post_with_the_csrf_token_and_ends_the_session(client, city):
    web_login(client, "med_comm")
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout", headers=HTML)
    assert refused.status_code == 400 and client.get("/start").status_code == 200  # still logged in
    out = client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert "您已退出登录" in client.get("/login").text
    assert client.get("/start").status_code == 302


def test_changing_the_password_checks_the_old_one_and_the_rule_and_names_the_field(client, city):
    web_login(client, "med_comm")
    cases = {
        ("wrong-password", NEW_PASSWORD): ("old_password", "当前密码不正确"),
        (PASSWORD, "short"): ("new_password", "密码至少需要 10 个字符"),
        (PASSWORD, "med_comm "): ("new_password", "密码至少需要 10 个字符"),
        (PASSWORD, "MED_COMM  "): ("new_password", "密码不能与用户名相同"),
        (PASSWORD, "  Med_Comm  "): ("new_password", "密码不能与用户名相同"),
        (PASSWORD, ""): ("new_password", "请输入新密码"),
    }
    for (old, new), (field, message) in cases.items():
        page = post_form(client, "/account/password", {"old_password": old, "new_password": new})
        assert page.status_code == 422, (old, new)
        assert f'<a href="#{field}">{message}</a>' in page.text, (old, new)
        assert f'id="{field}-error"' in page.text
    assert web_login_works(client, "med_comm", PASSWORD)


def web_login_works(client, username, password) -> bool:
    """Logs in from a fresh browser (a new test client) and says whether it worked."""
    other = client.application.test_client()
    return post_form(other, "/login", {"username": username, "password": password}).status_code == 302


def test_a_new_password_keeps_this_browser_and_ends_every_other_session_and_token(client, city):
    web_login(client, "med_comm")
    other_browser = client.application.test_client()
    web_login(other_browser, "med_comm")
    token = client.post("/api/v1/auth/token", json={"username": "med_comm", "password": PASSWORD}).json["token"]
    changed = post_form(client, "/account/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 302 and changed.headers["Location"] == "/start"
    assert "密码已修改" in client.get("/start").text  # this browser goes on
    assert other_browser.get("/start").status_code == 302  # the other one is logged out
    assert client.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert not web_login_works(client, "med_comm", PASSWORD)
    assert web_login_works(client, "med_comm", NEW_PASSWORD)


def test_spaces_around_a_password_are_part_of_it_on_the_pages_and_the_api(client, city):
    web_login(client, "gw1")
    spaced = "  spaced out pass  "
    post_form(client, "/account/password", {"old_password": PASSWORD, "new_password": spaced})
    assert web_login_works(client, "gw1", spaced) and not web_login_works(client, "gw1", spaced.strip())
    api = client.post("/api/v1/auth/token", json={"username": "gw1", "password": spaced.strip()})
    assert api.status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "gw1", "password": spaced}).status_code == 200


def test_a_disabled_user_is_logged_out_at_his_next_request(client, city, db):
    web_login(client, "med_comm")
    assert client.get("/start").status_code == 200
    with db.session() as s:
        s.execute(update(User).where(User.username == "med_comm").values(active=False))
    gone = client.get("/start")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    assert not web_login_works(client, "med_comm", PASSWORD)


def test_a_page_for_one_role_refuses_the_others(app, client, city):
    from gridflow.web.auth import role_required

    app.add_url_rule("/only-admins", "only_admins", role_required(ADMIN)(lambda: "admins only"))
    assert client.get("/only-admins").status_code == 302  # not logged in: to the login page
    web_login(client, "med_comm")
    refused = client.get("/only-admins", headers=HTML)
    assert refused.status_code == 403 and "您无权打开此页面" in refused.text
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    web_login(client, "admin")
    assert client.get("/only-admins").text == "admins only"


def test_an_htmx_request_after_the_session_ended_is_sent_to_the_login_page(client, city):
    answer = client.get("/start", headers={"HX-Request": "true"})
    assert answer.status_code == 401 and answer.headers["HX-Redirect"].startswith("/login")
