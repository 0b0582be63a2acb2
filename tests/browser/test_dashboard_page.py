"""The supervisor's dashboard in headless Chromium, on both back ends: the figures as percentages,
the trend chart, the drill-down, the shaded map, the Excel link, in Chinese and English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import Api

ORAL = {"form": "oral", "terms": "双方和解"}


@pytest.fixture
def api(live_server):
    return Api(live_server.app.test_client(), {})


def settle(api: Api, escalate: bool) -> None:
    """A dispute closed at community level, or after going up to the street."""
    case = api.report("gw1").json
    handler = "med_comm"
    case = api.event(handler, case, "claim").json
    if escalate:
        case = api.event(handler, case, "escalate", reason="需街道协调").json
        handler = "med_street"
        case = api.event(handler, case, "claim").json
    case = api.event(handler, case, "resolve", outcome="和解", agreement=ORAL).json
    assert api.event("gw1", case, "verify").status_code == 200


def test_the_supervisor_sees_the_figures_drills_down_and_the_local_settlement_rate_follows(page, api, screenshot):
    settle(api, escalate=False)
    api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[])
    log_in(page, "sup_city")
    assert page.url.endswith("/dashboard")  # supervisors land on it
    figure = page.locator('[data-figure="settled_locally_rate"]')
    expect(figure).to_have_text("100%")
    expect(page.locator('[data-figure="closure_rate"]')).to_have_text("100%")
    expect(page.locator("svg.trend-chart__svg rect.trend-chart__bar")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-dashboard-map] path.map-shade").first).to_be_attached()
    assert_axe_clean(page)
    screenshot("dashboard")

    settle(api, escalate=True)  # a second dispute settled only at the street
    page.reload()
    expect(figure).to_have_text("50%")
    # Drill down: city → county → street → community → its grids.
    for code in ("410902", "410902001", "410902001001"):
        page.locator("table[data-areas]").get_by_role("link").filter(has_text="").first.click()
        expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator("table[data-areas]")).to_contain_text("410902001001001")
    assert_axe_clean(page)
    screenshot("dashboard-community")
    link = page.get_by_role("link", name="导出考核表（Excel）")
    assert "/dashboard.xlsx?division=410902001001" in link.get_attribute("href")

    page.goto("/dashboard?lang=en")
    expect(page.locator("h2#headline")).to_have_text("Evaluation figures")
    expect(page.locator('[data-figure="settled_locally_rate"]')).to_have_text("50%")
    assert_axe_clean(page)
    screenshot("dashboard-en")
