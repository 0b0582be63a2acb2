"""Login, logout, password, language, CSRF, headers and accessibility in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import PASSWORD

NEW_PASSWORD = "new passphrase 2027"


def focused(page, selector: str) -> bool:
    """Whether `selector` has the focus (waiting for the page's script to move it: it runs on load)."""
    expect(page.locator(selector)).to_be_focused()
    return True


def test_a_wrong_password_is_shown_in_a_focused_summary_and_next_to_the_field(page, screenshot):
    page.goto("/login")
    page.fill("#username", "med_comm")
    page.fill("#password", "not my password")
    page.locator("main form button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert "有问题需要处理" in summary.inner_text() and "用户名或密码错误" in summary.inner_text()
    assert page.locator("#password-error").inner_text().endswith("用户名或密码错误")
    assert focused(page, "[data-error-summary]")  # announced and first in line for the keyboard
    assert page.input_value("#username") == "med_comm" and page.input_value("#password") == ""
    assert_axe_clean(page)
    screenshot("summary")
    summary.get_by_role("link", name="用户名或密码错误").click()
    assert focused(page, "#password")  # the summary's link puts the cursor in its field


def test_the_right_password_lands_by_role_and_the_start_page_shows_name_role_and_area(page):
    log_in(page, "sup_street")
    assert page.url.endswith("/dashboard")  # supervisors land on their dashboard
    page.goto("/start")
    header = page.locator("header").inner_text()
    assert "sup_street" in header and "督导员" in header and "中原路街道" in header
    assert page.locator("main h1").inner_text() == "欢迎，sup_street"
    assert (
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="首页").get_attribute("aria-current")
        == "page"
    )
    assert_axe_clean(page)


def test_logging_out_ends_the_session(page):
    log_in(page, "gw1")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    assert page.locator("[role=status]").inner_text() == "您已退出登录。"
    page.goto("/start")
    assert "/login?next=/start" in page.url


def test_changing_the_password_refuses_a_short_one_then_keeps_the_user_logged_in(page, screenshot):
    log_in(page, "med_comm")
    page.get_by_role("link", name="修改密码").first.click()
    page.fill("#old_password", PASSWORD)
    page.fill("#new_password", "short")
    page.locator("main form button[type=submit]").click()
    page.locator("#new_password-error").wait_for()
    assert "密码至少需要 10 个字符" in page.locator("#new_password-error").inner_text()
    assert page.get_attribute("#new_password", "aria-invalid") == "true"
    assert_axe_clean(page)
    screenshot("refused")
    page.fill("#old_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/start")
    assert page.locator("[role=status]").inner_text() == "密码已修改。"
    page.get_by_role("button", name="退出").click()
    log_in(page, "med_comm", NEW_PASSWORD)
    assert page.url.endswith("/queue")  # a mediator lands on his queue


def test_the_language_switch_turns_pages_english_and_is_remembered(page, screenshot):
    page.goto("/login")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/login?lang=en")
    assert (
        page.get_attribute("html", "lang") == "en" and page.locator("label[for=username]").inner_text() == "User name"
    )
    log_in(page, "sup_city")  # no ?lang= from here on: the choice is remembered
    assert page.get_attribute("html", "lang") == "en" and "Evaluation figures" in page.inner_text("main")
    page.goto("/start")
    assert "Supervisor" in page.locator("header").inner_text() and "Welcome, sup_city" in page.inner_text("main")
    screenshot("start")
    page.get_by_role("link", name="中文").click()
    assert page.get_attribute("html", "lang") == "zh-Hans" and "督导员" in page.locator("header").inner_text()
    page.goto("/")
    assert page.get_attribute("html", "lang") == "zh-Hans"


def test_a_form_whose_csrf_token_is_gone_is_refused(page, screenshot):
    log_in(page, "gw1")
    page.evaluate("() => document.querySelector('form.logout input[name=csrf_token]').remove()")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert "此表单已过期或并非来自本站" in page.inner_text("main")
    screenshot("refused")
    page.goto("/start")
    assert page.url.endswith("/start")  # still logged in: the forged logout did nothing


def test_pages_carry_the_security_headers_and_load_their_scripts_under_the_policy(page):
    response = page.goto("/login")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin" and headers["cache-control"] == "no-store"
    # htmx and gridflow.js ran (a refused script would have failed the test through the page fixture).
    assert page.evaluate("() => typeof htmx === 'object' && htmx.config.allowEval === false")
    assert page.evaluate("() => !document.querySelector('style')")  # htmx injected no style of its own


@pytest.mark.viewport(360, 740)
def test_the_login_and_start_pages_fit_a_360_pixel_phone_and_pass_axe(page, screenshot):
    page.goto("/login")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_axe_clean(page)
    screenshot("login")
    log_in(page, "med_comm_east")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_axe_clean(page)
    screenshot("start")
    page.goto("/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_axe_clean(page)
    screenshot("about", full_page=False)


def test_the_skip_link_is_the_first_stop_and_leads_to_the_main_content(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_a_request_that_leaves_127_0_0_1_is_refused_and_recorded(page, network_guard):
    from playwright.sync_api import Error as PlaywrightError

    page.goto("/login")
    # A host that cannot exist (.invalid); the guard refuses it before any name is looked up.
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("http://cdn.gridflow.invalid/htmx.min.js")
    assert network_guard.left == ["http://cdn.gridflow.invalid/htmx.min.js"]
    network_guard.left.clear()  # seen and refused as it should be: do not fail this test for it
