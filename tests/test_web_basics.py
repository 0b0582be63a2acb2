"""Web basics: security headers, CSRF, the session cookie, language, error pages (both back ends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from gridflow import create_app
from gridflow.db import get_db
from gridflow.security import relax_csp
from tests.cases_helpers import PASSWORD, setup_city
from tests.web_helpers import HTML, csrf_token, post_form, web_login

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_every_answer_carries_the_security_headers_and_dynamic_ones_are_not_stored(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    token = client.post("/api/v1/auth/token", json={"username": "gw1", "password": PASSWORD})
    answers = [
        client.get("/", headers=HTML),
        client.get("/login", headers=HTML),
        client.get("/no-such-page", headers=HTML),
        client.get("/api/v1/categories"),
        client.get("/api/v1/queue"),  # 401
        token,
    ]
    for answer in answers:
        assert_security_headers(answer)
        assert answer.headers["Cache-Control"] == "no-store", answer.request.path
    with client.get("/static/css/gridflow.css") as static:
        assert static.status_code == 200
        assert_security_headers(static)
        assert "no-store" not in static.headers.get("Cache-Control", "")  # style sheets may be cached


def test_one_view_can_widen_the_policy_for_itself_only(app, client):
    app.add_url_rule("/relaxed", "relaxed", relax_csp(style_src="'self' 'unsafe-inline'")(lambda: "ok"))
    assert "style-src 'self' 'unsafe-inline'" in client.get("/relaxed").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in client.get("/").headers["Content-Security-Policy"]
    with pytest.raises(ValueError, match="unknown CSP directives: style-scr"):
        relax_csp(style_scr="'unsafe-inline'")


def test_a_form_sent_without_its_csrf_token_is_refused_but_the_api_needs_none(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    refused = client.post("/login", data={"username": "gw1", "password": PASSWORD}, headers=HTML)
    assert refused.status_code == 400 and "此表单已过期或并非来自本站" in refused.text
    forged = client.post("/login", data={"username": "gw1", "password": PASSWORD, "csrf_token": "x"}, headers=HTML)
    assert forged.status_code == 400
    assert client.get("/start").status_code == 302  # neither logged anyone in
    as_json = client.post("/login", data={"username": "gw1", "password": PASSWORD})
    assert as_json.status_code == 400 and as_json.json["error"]["code"] == "bad_request"
    api = client.post("/api/v1/auth/token", json={"username": "gw1", "password": PASSWORD})
    assert api.status_code == 200 and "token" in api.json


def test_the_csrf_token_of_one_session_does_not_work_in_another(app, client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    stolen = csrf_token(client.get("/login").text)
    other = app.test_client()
    other.get("/login")
    answer = other.post("/login", data={"username": "gw1", "password": PASSWORD, "csrf_token": stolen})
    assert answer.status_code == 400


def test_the_session_cookie_is_httponly_and_lax_and_secure_only_over_https(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    cookie = web_login(client, "gw1").headers["Set-Cookie"]
    assert cookie.startswith("gridflow_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    https = client.application.test_client()
    token = csrf_token(https.get("/login", base_url="https://localhost").text)
    secure = https.post(
        "/login",
        data={"username": "gw1", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert secure.status_code == 302 and "Secure" in secure.headers["Set-Cookie"]


@pytest.mark.parametrize("trusted, secure", [(0, False), (1, True)])
def test_a_proxys_https_header_counts_only_when_the_proxy_is_trusted(db_url, trusted, secure):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "test", "PROXY_HOPS": trusted})
    try:
        answer = app.test_client().get("/login?lang=en", headers={"X-Forwarded-Proto": "https"})
        cookies = answer.headers.getlist("Set-Cookie")
        assert cookies and all(("Secure" in c) == secure for c in cookies)
    finally:
        get_db(app).dispose()


def test_the_language_switch_sets_a_remembered_cookie_and_html_lang_follows(client):
    chinese = client.get("/login", headers=HTML)
    assert '<html lang="zh-Hans">' in chinese.text and 'href="/login?lang=en"' in chinese.text
    english = client.get("/login?lang=en", headers=HTML)
    assert '<html lang="en">' in english.text and "User name" in english.text
    assert "lang=en" in english.headers["Set-Cookie"] and "Max-Age=31536000" in english.headers["Set-Cookie"]
    later = client.get("/", headers=HTML)  # no ?lang: the cookie decides
    assert '<html lang="en">' in later.text and "working days" in later.text
    back = client.get("/?lang=zh", headers=HTML)
    assert '<html lang="zh-Hans">' in back.text and "工作日" in client.get("/", headers=HTML).text


def test_the_switch_keeps_the_rest_of_the_address(client):
    page = client.get("/login?next=/start&lang=zh", headers=HTML)
    assert 'href="/login?next=%2Fstart&amp;lang=en"' in page.text


def test_dates_and_numbers_are_written_for_the_language(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    with time_machine.travel(datetime(2027, 3, 1, 17, 0, tzinfo=UTC), tick=False):  # Tuesday 2 March in China
        web_login(client, "med_comm")
        chinese = client.get("/start").text
        english = client.get("/start?lang=en").text
    assert "2027年3月2日星期二" in chinese and 'datetime="2027-03-02T01:00:00+08:00"' in chinese
    assert "Tuesday, March 2, 2027" in english
    assert "<td>15 working days</td>" in client.get("/?lang=en").text  # Babel's number format


def test_a_browser_gets_error_pages_in_the_layout_and_the_api_keeps_json(client):
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and "页面不存在" in page.text and '<main id="main"' in page.text
    assert client.get("/no-such-page").json["error"]["code"] == "not_found"
    assert client.get("/api/v1/no-such-thing", headers=HTML).json["error"]["code"] == "not_found"


def test_an_unknown_user_and_a_wrong_password_read_the_same(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    unknown = post_form(client, "/login", {"username": "nobody", "password": PASSWORD})
    wrong = post_form(client, "/login", {"username": "gw1", "password": "wrong-password"})
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.text.replace("nobody", "gw1") == wrong.text.replace(csrf_token(wrong.text), csrf_token(unknown.text))


def test_a_failure_inside_a_page_shows_an_error_page_and_the_api_a_json_500(app, client):
    def broken():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers
    app.add_url_rule("/broken", "broken", broken)
    page = client.get("/broken", headers=HTML)
    assert page.status_code == 500 and "系统出现问题" in page.text and "boom" not in page.text
    assert client.get("/broken").json["error"]["code"] == "internal_server_error"


def test_the_workflow_on_the_about_page_reads_in_the_language_of_the_page(client):
    chinese = client.get("/", headers=HTML).text
    assert "<td>上交</td><td>待受理或办理中</td>" in chinese and "调解员、督导员或系统" in chinese
    english = client.get("/?lang=en", headers=HTML).text
    assert "<td>escalate</td><td>waiting or handling</td>" in english and "Mediator, Supervisor, or System" in english


def test_static_files_never_set_the_session_cookie_again(client, runner, tmp_path, db):
    """An image still loading when its page's user logs out must not bring the old session back."""
    setup_city(runner, tmp_path, db)
    web_login(client, "med_comm")
    page = client.get("/start", headers=HTML)
    assert "gridflow_session=" in page.headers.get("Set-Cookie", "")  # pages refresh it (sessions last after use)
    with client.get("/static/css/gridflow.css") as static:
        assert static.status_code == 200 and "Set-Cookie" not in static.headers
