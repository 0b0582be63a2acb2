"""Pages in a real browser: Debian's headless Chromium driven by Playwright, against a real server.

Fixtures (each browser test runs on both back ends, like the rest of the suite):
- `live_server`: GridFlow served over HTTP on 127.0.0.1 (a free port, a thread of this process),
  loaded with the fixture city and the users of tests/cases_helpers.py (password `PASSWORD`);
  `live_server.url`, `live_server.app`, `live_server.backend`.
- `page`: a fresh browser context (Chinese, 1280×800; ask for another size with
  `@pytest.mark.viewport(360, 740)`; a phone with touch and geolocation granted and set with
  `@pytest.mark.phone(lon, lat)`, `page.context.set_geolocation(...)` to move) whose relative `page.goto("/login")` goes to the live server.
  Any request to a host other than 127.0.0.1 is refused and recorded (`network_guard.left`), and the
  test fails if there was one; it fails too on a Content-Security-Policy violation, an uncaught
  script error, or a script, style sheet, image or font of the page that does not load.  A screenshot of the last state is saved as
  test-artifacts/screenshots/<test>-<backend>.png (gitignored), passed or failed.
- `screenshot(name, full_page=True)`: one more screenshot now, <test>-<name>-<backend>.png.
Helpers in tests/browser/helpers.py: `log_in`, `assert_axe_clean`.

Chromium is Debian's (`apt-get install chromium`; ./dev.sh test installs it): Playwright cannot
download browsers here.  Without it these tests are skipped, except under CI=true, where that fails.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.cases_helpers import setup_city

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("GRIDFLOW_CHROMIUM", "/usr/bin/chromium")
# Headless, as root, on a closed network: no sandbox, and none of Chromium's own background traffic
# (without these flags it keeps trying to reach Google's hosts); any host name it still looks up
# resolves to nothing.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1"}
ASSET_TYPES = {"script", "stylesheet", "image", "font", "manifest"}  # a page's own files must load


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def browser_unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        browser_unavailable(f"Playwright for Python is not installed: {exc}")
    if not os.access(CHROMIUM, os.X_OK):
        browser_unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium (./dev.sh test does)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except Error as exc:
            browser_unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()


@dataclass
class LiveServer:
    url: str
    app: Flask
    backend: str


def whole_answers(app):
    """Each answer read completely before it is sent.  Werkzeug's server skips closing an answer when
    the browser hangs up mid-way (as it does when a test moves to the next page while files load),
    which leaves a static file open and fails a later test with a ResourceWarning."""

    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


@pytest.fixture
def live_server(app, runner, tmp_path, db, backend):
    setup_city(runner, tmp_path, db)
    server = make_server("127.0.0.1", 0, whole_answers(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gridflow-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, backend)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class NetworkGuard:
    left: list[str] = field(default_factory=list)  # requests refused because they left 127.0.0.1
    problems: list[str] = field(default_factory=list)  # CSP violations, uncaught script errors
    failed_assets: set[str] = field(default_factory=set)

    def route(self, route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort("blockedbyclient")

    def console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def page_error(self, error) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            self.problems.append(f"asset {response.url} answered {response.status}")

    def request_failed(self, request) -> None:
        if urlsplit(request.url).hostname in LOCAL_HOSTS and request.resource_type in ASSET_TYPES:
            self.failed_assets.add(request.url)

    def missing_assets(self) -> list[str]:
        """Of the page's own files that failed in the browser, those the server does not have.  (A
        missing style sheet or script arrives as a failure, not an answer: its error page is not CSS or
        JavaScript and nosniff stops it; a file cut short because the page went elsewhere fails too,
        but is there.)"""
        missing = []
        for url in sorted(self.failed_assets):
            try:
                with urlopen(url, timeout=10):
                    pass
            except HTTPError as error:
                missing.append(f"asset {url} answered {error.code}")
        return missing


@pytest.fixture
def network_guard() -> NetworkGuard:
    return NetworkGuard()


def _shot_path(request, backend: str, name: str | None = None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    parts = [request.node.originalname, *([name] if name else []), backend]
    return SCREENSHOTS / ("-".join(parts) + ".png")


@pytest.fixture
def page(browser, live_server, network_guard, request):
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (1280, 800)
    phone = request.node.get_closest_marker("phone")
    as_phone = {}
    if phone:
        lon, lat = phone.args
        where = {"longitude": lon, "latitude": lat, "accuracy": phone.kwargs.get("accuracy", 8)}
        as_phone = {"geolocation": where, "permissions": ["geolocation"], "has_touch": True, "is_mobile": True}
    context = browser.new_context(
        **as_phone,
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(10_000)
    context.route("**/*", network_guard.route)
    tab = context.new_page()
    tab.on("console", network_guard.console)
    tab.on("pageerror", network_guard.page_error)
    tab.on("response", network_guard.response)
    tab.on("requestfailed", network_guard.request_failed)
    try:
        yield tab
    finally:
        try:
            tab.screenshot(path=_shot_path(request, live_server.backend), full_page=True)
        finally:
            context.close()
    assert not network_guard.left, f"requests that left 127.0.0.1: {network_guard.left}"
    problems = network_guard.problems + network_guard.missing_assets()
    assert not problems, "\n".join(problems)


@pytest.fixture
def screenshot(page, live_server, request):
    def take(name: str, full_page: bool = True) -> Path:
        path = _shot_path(request, live_server.backend, name)
        page.screenshot(path=path, full_page=full_page)
        return path

    return take
