"""The field app (/m/) in a real browser, as a phone (360 × 740, touch, geolocation granted and set in
gw1's grid), on both back ends: issue 13's "Tests in a real browser" scenario.  Any request that leaves
127.0.0.1 fails the test (the page fixture's network guard)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gridflow.models import Case
from tests.browser.helpers import assert_axe_clean
from tests.cases_helpers import PASSWORD, WEST_NW, Api
from tests.media_helpers import photo, png_bomb

pytestmark = [pytest.mark.viewport(360, 740), pytest.mark.phone(WEST_NW["lon"], WEST_NW["lat"])]


def field_login(page, username: str = "gw1") -> None:
    page.goto("/m/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("#app[data-report-ready=yes]")


def case_count(app) -> int:
    with app.extensions["gridflow.db"].session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def files(tmp_path: Path, *named: tuple[str, bytes]) -> list[str]:
    paths = []
    for name, content in named:
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    return paths


def report(page, kind: str, category: str, text: str, photos: list[str] = (), parties: list[str] = ()) -> None:
    page.click("a[data-tab=report]")
    page.check(f"input[name=kind][value={kind}]")
    page.select_option("#category", category)
    page.fill("#description", text)
    page.click("#use-gps")
    page.wait_for_selector("#gps-status:has-text('精度')")
    if photos:
        page.set_input_files("#photos", photos)
        page.locator("#photo-list li").nth(len(photos) - 1).wait_for()
    for i, name in enumerate(parties, start=1):
        page.fill(f"#party-{i}-name", name)
    page.click("#send-report")
    page.wait_for_selector("#gps-status:has-text('上报已保存')")


def outbox(page) -> list[tuple[str, str]]:
    page.click("a[data-tab=outbox]")
    return page.eval_on_selector_all(
        "#outbox-list li", "items => items.map(i => [i.dataset.status, i.textContent])"
    )


def wait_all_sent(page, timeout_s: float = 60) -> list[tuple[str, str]]:
    """The outbox once nothing waits in it any more (polled: wait_for_function evaluates a string,
    which the page's CSP refuses)."""
    until = time.monotonic() + timeout_s
    while True:
        items = outbox(page)
        if items and all(status in ("sent", "failed", "stale") for status, _ in items):
            return items
        if time.monotonic() > until:
            raise AssertionError(f"still waiting to send: {items}")
        page.wait_for_timeout(250)


def test_a_grid_worker_reports_with_photos_offline_and_online_and_verifies_on_site(page, live_server, screenshot, tmp_path):
    app = live_server.app
    field_login(page)
    assert_axe_clean(page)
    screenshot("grids")

    # A dispute with two photos, from GPS.
    shots = files(tmp_path, ("a.jpg", photo(size=(3000, 2000))), ("b.jpg", photo(size=(1200, 1600), color=(200, 80, 20))))
    before = case_count(app)
    report(page, "dispute", "D02", "楼道堆物引发邻里纠纷", shots, parties=["王五", "赵六"])
    assert_axe_clean(page)
    screenshot("report")
    wait_all_sent(page)
    assert case_count(app) == before + 1
    api = Api(app.test_client(), {})
    mine = api.get("gw1", "/api/v1/cases?kind=dispute").json["items"]
    dispute = max(mine, key=lambda c: c["id"])
    stored = api.get("gw1", f"/api/v1/cases/{dispute['id']}/attachments").json["items"]
    assert len(stored) == 2 and all(a["size"] <= 500_000 for a in stored)
    assert sorted(p["name"] for p in api.get("gw1", f"/api/v1/cases/{dispute['id']}").json["parties"]) == ["王五", "赵六"]

    # Offline: two incidents wait on the phone, a reload keeps them, the signal brings exactly two cases.
    page.context.set_offline(True)
    report(page, "incident", "G02", "井盖缺失一")
    report(page, "incident", "G03", "路灯不亮二")
    assert [s for s, _ in outbox(page)].count("waiting") == 2
    page.reload()
    page.wait_for_selector("#app[data-report-ready=yes]")
    assert [s for s, _ in outbox(page)].count("waiting") == 2
    assert_axe_clean(page)
    screenshot("offline")
    assert case_count(app) == before + 1
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_all_sent(page)
    assert case_count(app) == before + 3
    screenshot("sent")
