"""The notification bell, the notifications page and the notification settings in headless Chromium,
on both back ends."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import Api


@pytest.fixture
def api(live_server):
    return Api(live_server.app.test_client(), {})


def reports(api, n):
    made = []
    for _ in range(n):
        r = api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[])
        assert r.status_code == 201, r.json
        made.append(r.json)
    return made


def test_the_bell_counts_lists_opens_and_marks_read(page, api, screenshot):
    made = reports(api, 3)  # each in the community's queue: med_comm is told
    log_in(page, "med_comm")
    count = page.locator("#bell-count")
    expect(count).to_contain_text("3")
    expect(count).to_contain_text("条未读通知")
    page.locator(".bell__button").click()
    menu = page.locator(".bell__menu")
    expect(menu).to_be_visible()
    expect(menu.locator(".bell__item")).to_have_count(3)
    newest = made[-1]
    expect(menu.locator(".bell__item").first).to_contain_text(f"案件{newest['number']}已进入社区待办")
    assert_axe_clean(page)
    screenshot("bell-open", full_page=False)

    # An item opens its case file and is read from then on.
    menu.locator(".bell__item a").first.click()
    page.wait_for_url(f"**/cases/{newest['id']}")
    expect(page.locator("#bell-count")).to_contain_text("2")

    # Mark all read in place (htmx): the count goes, the menu says so.
    page.locator(".bell__button").click()
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".bell__empty")).to_have_text("没有未读通知。")
    expect(page.locator("#bell-count")).to_contain_text("0")
    assert f"/cases/{newest['id']}" in page.url  # no page load

    # The full list: every notice, each a link to its case.
    page.get_by_role("link", name="全部通知").click()
    page.wait_for_url("**/notifications")
    expect(page.locator(".notices__item")).to_have_count(3)
    expect(page.locator(".notices__item--unread")).to_have_count(0)
    assert_axe_clean(page)
    screenshot("list")


def test_one_notice_marked_read_on_the_list_page(page, api, screenshot):
    reports(api, 2)
    log_in(page, "med_comm2")
    page.goto("/notifications?unread=1")
    expect(page.locator(".notices__item--unread")).to_have_count(2)
    page.get_by_role("button", name="标为已读", exact=True).first.click()
    page.wait_for_url("**/notifications?unread=1")
    expect(page.locator(".notices__item--unread")).to_have_count(1)
    expect(page.locator("#bell-count")).to_contain_text("1")
    screenshot("unread")


def test_notification_settings_are_saved_and_checked(page, screenshot):
    log_in(page, "med_comm")
    page.goto("/account/notifications")
    expect(page.locator("input[name=email_on]")).to_be_checked()
    page.fill("#quiet_start", "22:00")
    page.get_by_role("button", name="保存").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("免打扰时段")
    assert_axe_clean(page)
    screenshot("error")
    page.fill("#quiet_end", "07:00")
    page.locator("input[name=sms_all]").check()
    page.select_option("#language", "en")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice")).to_contain_text("通知设置已保存")
    expect(page.locator("input[name=sms_all]")).to_be_checked()
    assert page.input_value("#quiet_end") == "07:00" and page.input_value("#language") == "en"


@pytest.mark.viewport(360, 740)
def test_the_bell_on_a_phone(page, api, screenshot):
    reports(api, 1)
    log_in(page, "med_comm")
    expect(page.locator("#bell-count")).to_contain_text("1")
    page.locator(".bell__button").click()
    menu = page.locator(".bell__menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot("phone", full_page=False)
