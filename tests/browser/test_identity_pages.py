"""The login page under the throttle, in headless Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean
from tests.cases_helpers import PASSWORD


def submit(page, username: str, password: str):
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").click()
    return navigation.value


def test_after_five_wrong_passwords_the_form_says_when_to_try_again_even_for_the_right_one(page, screenshot):
    page.goto("/login")
    for _ in range(5):
        assert submit(page, "med_comm", "not my password").status == 422
    answer = submit(page, "med_comm", PASSWORD)
    assert answer.status == 429 and 800 < int(answer.headers["retry-after"]) <= 900
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("失败次数过多：请在 15 分钟后再试")
    expect(summary).to_be_focused()
    assert page.input_value("#username") == "med_comm" and "/login" in page.url
    assert_axe_clean(page)
    screenshot("throttled")
