"""The administrator's pages in headless Chromium, on both back ends: a grid file with an overlap
refused (each overlap with both codes and m²), a good one imported after its preview on the map,
a grid handed to another worker, a user added and disabled, a category's limit changed; every admin
page free of serious or critical axe violations, and English with ?lang=en."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect
from shapely.geometry import box
from sqlalchemy import update

from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.models import User
from gridflow.notifications.deliver import Outbox, deliver
from tests import fixtures as fx
from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import Api
from tests.notify_helpers import free_port

H, W, X0, Y0 = fx.H, fx.W, fx.X0, fx.Y0
OVERLAPPING = fx.grids({"410902001001003": box(X0, Y0, X0 + H + 0.01, Y0 + H)})
MOVED_EDGE = fx.grids(
    {"410902001001003": box(X0, Y0, X0 + H + 0.01, Y0 + H), "410902001001004": box(X0 + H + 0.01, Y0, X0 + W, Y0 + H)}
)
CJK = re.compile(r"[\u3400-\u9fff]")
DATA = re.compile(r"\S+ \(\d{6,15}\)")


def geojson(name: str, data: dict) -> dict:
    return {"name": name, "mimeType": "application/geo+json", "buffer": json.dumps(data).encode()}


def upload(page, data: dict, name: str) -> None:
    page.goto("/admin/imports")
    page.select_option("#kind", "grids")
    page.set_input_files("#file", geojson(name, data))
    with page.expect_navigation():
        page.get_by_role("button", name="核对文件").click()


def map_drawn(page, selector: str) -> None:
    """The overlay of the check is on the map (Leaflet draws it as SVG paths with our classes)."""
    expect(page.locator(f"[data-map] path.{selector}").first).to_be_attached()


def test_an_admin_sees_an_overlapping_grid_file_refused_and_imports_a_good_one_after_its_preview(page, screenshot):
    log_in(page, "admin")
    page.get_by_role("link", name="系统管理").first.click()
    page.get_by_role("link", name="导入空间数据").click()
    assert page.url.endswith("/admin/imports")
    assert_axe_clean(page)

    upload(page, OVERLAPPING, "overlap.geojson")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("网格将会重叠：无法导入")
    expect(summary).to_contain_text(
        re.compile(r"网格 410902001001003 与 410902001001004 重叠 6,2\d\d,\d{3}\.\d 平方米")
    )
    expect(page.get_by_role("button", name="导入文件")).to_have_count(0)
    map_drawn(page, "map-finding--overlap")
    map_drawn(page, "map-upload")
    assert_axe_clean(page)
    screenshot("refused")

    upload(page, MOVED_EDGE, "moved-edge.geojson")
    expect(page.get_by_role("status").filter(has_text="文件可以导入")).to_be_visible()
    moves = page.locator("table", has=page.get_by_role("columnheader", name="原网格"))
    expect(moves.locator("tr", has_text="U1")).to_contain_text("410902001001004")
    expect(moves.locator("tr", has_text="U1")).to_contain_text("410902001001003")
    map_drawn(page, "map-upload")
    assert_axe_clean(page)
    screenshot("preview")
    with page.expect_navigation():
        page.get_by_role("button", name="导入文件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("已导入")
    expect(page.locator("main")).to_contain_text("moved-edge.geojson 已导入")
    expect(page.locator("main table")).to_contain_text("U1")
    assert_axe_clean(page)

    page.goto("/admin/coverage?code=410902001001")
    expect(page.locator("main")).to_contain_text("覆盖完整，没有空隙或重叠")
    map_drawn(page, "map-area")
    assert_axe_clean(page)
    screenshot("coverage")


def test_an_admin_hands_a_grid_over_adds_and_disables_a_user_and_changes_a_category_limit(page, screenshot):
    log_in(page, "admin")
    # A new worker record, then grid 001 handed to him.
    page.goto("/admin/workers")
    page.fill("#staff_no", "W900")
    page.fill("#name", "接手网格员")
    with page.expect_navigation():
        page.get_by_role("button", name="新增网格员").click()
    expect(page.get_by_role("status")).to_contain_text("已新增网格员 接手网格员（W900）")
    page.goto("/admin/workers")
    page.get_by_role("link", name=re.compile(r"将网格 .*410902001001001")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("410902001001001")
    page.fill("#staff_no", "W404")
    page.get_by_role("button", name="移交网格").click()
    expect(page.locator("#staff_no-error")).to_contain_text("没有工号为 W404 的网格员")
    assert page.input_value("#staff_no") == "W404"
    assert_axe_clean(page)
    page.fill("#staff_no", "W900")
    with page.expect_navigation():
        page.get_by_role("button", name="移交网格").click()
    expect(page.get_by_role("status")).to_contain_text("网格 410902001001001 现归 接手网格员（W900）负责")
    expect(page.locator("main table")).to_contain_text("410902001001001")

    # A user: a short password is refused next to the field, nothing typed lost; then added, disabled.
    page.goto("/admin/users/new")
    page.fill("#username", "new.mediator")
    page.fill("#name", "新调解员")
    page.select_option("#role", "mediator")
    page.fill("#division", "410902001001")
    page.fill("#password", "short")
    page.get_by_role("button", name="新增用户").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#password-error")).to_contain_text("至少")
    assert page.input_value("#username") == "new.mediator" and page.input_value("#division") == "410902001001"
    assert_axe_clean(page)
    page.fill("#password", "a good password")
    with page.expect_navigation():
        page.get_by_role("button", name="新增用户").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新调解员 (new.mediator)")
    with page.expect_navigation():
        page.get_by_role("button", name="停用该用户").click()
    expect(page.get_by_role("status")).to_contain_text("new.mediator 已停用")
    expect(page.locator("main dl")).to_contain_text("已停用")
    assert_axe_clean(page)
    screenshot("user")

    # A category's street-level limit becomes 7 working days: version 2.
    page.goto("/admin/categories/G01")
    page.fill("#limits\\.street\\.amount", "0")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator("#limits\\.street-error")).to_be_visible()
    assert page.input_value("#limits\\.street\\.amount") == "0"
    page.fill("#limits\\.street\\.amount", "7")
    page.select_option("#limits\\.street\\.unit", "working_days")
    page.fill("#note", "区里新规")
    with page.expect_navigation():
        page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("status")).to_contain_text("G01 第 2 版即日起生效")
    expect(page.locator("main table").last.locator("tbody tr").first).to_contain_text("7 工作日")
    assert_axe_clean(page)
    screenshot("category")

    page.goto("/admin/audit?kind=grid")
    expect(page.locator("main table")).to_contain_text("grid:410902001001001")
    with page.expect_navigation():
        page.get_by_role("button", name="立即验证链条").click()
    expect(page.get_by_role("status").first).to_contain_text("链条验证通过")
    expect(page.locator("main table")).to_contain_text("grid:410902001001001")  # the filter kept


ADMIN_PAGES = [
    "/admin",
    "/admin/imports",
    "/admin/coverage?code=410902001001",
    "/admin/users",
    "/admin/users/new",
    "/admin/workers",
    "/admin/grids/410902001001001/worker",
    "/admin/categories",
    "/admin/categories/G01",
    "/admin/calendar/2027",
    "/admin/audit",
    "/admin/notifications",
]


def test_every_admin_page_passes_axe_and_is_english_with_lang_en(page):
    log_in(page, "admin")
    for path in ADMIN_PAGES:
        page.goto(path)
        assert_axe_clean(page)
    for path in ADMIN_PAGES:
        page.goto(path + ("&" if "?" in path else "?") + "lang=en")
        assert page.locator("html").get_attribute("lang") == "en", path
        # Every word GridFlow writes (headings, labels, hints, buttons, table heads) is English; what
        # people entered (names of places and people) stays as entered.
        words = page.locator("main h1, main h2, main label, main legend, main button, main th, main .field__hint")
        texts = [DATA.sub("", t) for t in words.all_inner_texts()]  # "幸福社区 (410902001001)": a name
        chinese = [t for t in texts if CJK.search(t)]
        assert not chinese, f"{path}: {chinese}"
        assert_axe_clean(page)
    page.goto("/admin/users/new?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")


def failed_deliveries(app) -> list[dict]:
    """A case reported while the mediators' e-mail goes to a mail server that is not there and a
    webhook to a receiver that is not there either; each message given up on at its first failure."""
    closed = free_port()  # nothing listens there
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=closed, NOTIFY_MAX_ATTEMPTS=1, NOTIFY_TIMEOUT_SECONDS=2)
    db = get_db(app)
    with db.session(write=True) as s:
        s.execute(
            update(User).where(User.username.in_(("med_comm", "med_comm2"))).values(email=User.username + "@example.cn")
        )
    api = Api(app.test_client(), {})
    hook = api.post("admin", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{closed}/gridflow/hook", "events": ["*"]})
    assert hook.status_code == 201, hook.json
    case = api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[])
    assert case.status_code == 201, case.json
    report = deliver(db, Outbox.from_config(app.config), utcnow())
    assert report.failed >= 2 and report.sent == 0, report
    return api.get("admin", "/api/v1/notifications/failed").json["items"]


def test_failed_notifications_are_listed_with_their_case_and_why(page, live_server, screenshot):
    failed = failed_deliveries(live_server.app)
    assert {f["channel"] for f in failed} == {"email", "webhook"}
    log_in(page, "admin")
    page.goto("/admin/notifications")
    expect(page.get_by_role("heading", level=2)).to_have_text(f"共 {len(failed)} 条")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(len(failed))
    case = failed[0]["case"]
    expect(page.get_by_role("link", name=case["number"]).first).to_have_attribute("href", f"/cases/{case['id']}")
    mail = rows.filter(has_text="med_comm2")
    for cell in ("进入待办", "电子邮件", "1", "Connection refused"):
        expect(mail).to_contain_text(cell)
    hook = rows.filter(has_text="case.created")
    for cell in ("Webhook", "/gridflow/hook", "Connection refused"):
        expect(hook).to_contain_text(cell)
    assert_axe_clean(page)
    screenshot("failed")
    page.goto("/admin/notifications?lang=en")
    expect(page.get_by_role("heading", level=2)).to_have_text(f"{len(failed)} messages")
    expect(page.locator("main thead")).to_contain_text("Why it failed")
    expect(rows.filter(has_text="med_comm2")).to_contain_text("arrived in a queue")
    expect(rows.filter(has_text="med_comm2")).to_contain_text("e-mail")
    assert_axe_clean(page)
    screenshot("failed-en")
