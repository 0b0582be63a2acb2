"""Driving pages through Flask's test client: CSRF tokens, logging in."""

from __future__ import annotations

import re

from tests.cases_helpers import PASSWORD

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what a browser sends


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kw):
    """POST `data` as the browser would, with the CSRF token of `page` (default: GET `url` first)."""
    token = csrf_token(client.get(page or url, headers=HTML).text)
    return client.post(url, data={"csrf_token": token, **data}, headers=HTML, **kw)


def web_login(client, username: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.text
    return response
