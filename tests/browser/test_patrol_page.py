"""The desk's patrol logs in headless Chromium, on both back ends: a supervisor picks the day and
reads his grid workers' patrols, in Chinese and English; axe finds nothing serious."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import Api
from tests.test_web_patrols import patrolled


@pytest.fixture
def api(live_server):
    return Api(live_server.app.test_client(), {})


def test_a_supervisor_reads_the_days_patrols(page, api, screenshot):
    day = patrolled(api)
    log_in(page, "sup_comm")
    page.get_by_role("link", name="巡查日志").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("巡查日志")
    page.get_by_label("日期", exact=True).fill(day)  # today, unless the patrol began before midnight
    page.get_by_role("button", name="查看巡查").click()
    expect(page.get_by_role("region", name="按网格员")).to_contain_text("0.22 km")
    expect(page.locator(".patrol-day")).to_contain_text("走访3户")
    assert_axe_clean(page)
    screenshot("patrols")
    page.get_by_label("日期", exact=True).fill("2020-01-01")
    page.get_by_role("button", name="查看巡查").click()
    expect(page.get_by_text("这一天本辖区无人巡查。")).to_be_visible()
    page.goto(page.url.split("?")[0] + f"?date={day}&lang=en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patrol logs")
    expect(page.get_by_role("region", name="By grid worker")).to_contain_text("0 h 25 min")
    assert_axe_clean(page)
    screenshot("patrols-en")
