"""The mediator's desk in headless Chromium, on both back ends: the queue, the case file and its
actions, the printable mediation agreement, the escalation timeline, maps."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, log_in
from tests.cases_helpers import IN_A_MONTH, Api


@pytest.fixture
def api(live_server):
    return Api(live_server.app.test_client(), {})


def log_out(page) -> None:
    """Log out once the page has loaded (an answer in flight carries the session's cookie and could
    set it again after the logout's), and wait for the login page."""
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


def row_of(page, number: str):
    return page.locator("tr", has=page.get_by_role("link", name=number))


def test_a_dispute_goes_from_the_community_queue_to_a_printed_agreement_and_a_verified_chain(page, api, screenshot):
    case = api.report("gw1").json  # a grid worker's report in his own grid: waiting at community level
    number = case["number"]

    # The community mediator lands on his queue and claims the dispute in place.
    log_in(page, "med_comm")
    assert page.url.endswith("/queue")
    row = row_of(page, number)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text("还剩")  # time left, written out beside its bar
    assert_axe_clean(page)
    screenshot("queue")
    row.get_by_role("button", name=re.compile("^签收")).click()
    expect(row).to_contain_text("办理中")
    expect(row.get_by_role("button", name=re.compile("^取消签收"))).to_be_visible()
    assert page.url.endswith("/queue")  # in place: no page load

    # He records a session: an empty summary is refused next to the field, nothing typed is lost.
    row.get_by_role("link", name=number).click()
    page.get_by_role("link", name="记录调解").click()
    page.fill("#session\\.place", "幸福社区人民调解室")
    page.fill("#session\\.participants", "张三、李四、调解员")
    page.get_by_role("button", name="记录调解").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("调解情况")
    expect(page.locator("#session\\.summary-error")).to_contain_text("请填写调解情况")
    assert page.input_value("#session\\.place") == "幸福社区人民调解室"
    assert_axe_clean(page)
    screenshot("refused")
    page.fill("#session\\.summary", "双方到场，各自陈述；漏水原因待查。")
    page.get_by_role("button", name="记录调解").click()
    expect(page.locator("[role=status]")).to_contain_text("已完成：记录调解")
    expect(page.locator("#record ~ ol")).to_contain_text("幸福社区人民调解室")

    # It cannot be settled here: he sends it up to the street with a reason.
    page.get_by_role("link", name="上交").click()
    page.fill("#reason", "涉及楼上住户与物业公司，需街道协调")
    page.get_by_role("button", name="上交").click()
    expect(page.locator(".case-header")).to_contain_text("在街道级")
    expect(page.locator(".actions")).to_contain_text("目前没有需要您处理的事项")

    # The street mediator claims it from his queue and resolves it with a written agreement.
    log_out(page)
    log_in(page, "med_street")
    row = row_of(page, number)
    row.get_by_role("button", name=re.compile("^签收")).click()
    expect(row).to_contain_text("办理中")
    row.get_by_role("link", name=number).click()
    page.get_by_role("link", name="化解").click()
    page.fill("#outcome", "经街道调解，双方达成书面协议")
    page.fill("#agreement\\.terms", "一、李四于十日内修复漏水管道；\n二、李四赔偿张三维修费八百元。")
    page.fill("#agreement\\.performance_deadline", IN_A_MONTH)
    page.get_by_role("button", name="化解").click()
    expect(page.locator("[role=status]")).to_contain_text("已完成：化解")
    record = page.locator("#record ~ dl")
    expect(record).to_contain_text("二、李四赔偿张三维修费八百元")
    expect(record).to_contain_text("还剩 30 天")  # the judicial-confirmation window
    assert_axe_clean(page)
    screenshot("resolved")

    # The 协议书: what the law asks of a written agreement, printable on A4.
    page.get_by_role("link", name="打印人民调解协议书").click()
    document = page.locator("article.document")
    expect(document.locator("h1")).to_have_text("人民调解协议书")
    text = document.inner_text()
    for expected in (
        f"编号：{number}",
        "申请人",
        "张三",
        "被申请人",
        "李四",
        "11010519491231002X",  # the handling mediator may see the ID number in full
        "楼上漏水，邻里争执",
        "一、李四于十日内修复漏水管道",
        "中原路街道人民调解委员会",
        "30 日内共同向人民法院申请司法确认",
        "本协议一式 3 份",
    ):
        assert expected in text, expected
    assert document.locator(".signature").count() == 3  # two parties and the mediator
    assert_axe_clean(page)
    screenshot("agreement")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".document-tools")).to_be_hidden()
    page.set_viewport_size({"width": 658, "height": 930})  # A4 less the page margins, at 96 dpi
    screenshot("agreement-print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, pages
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The grid worker verifies it on the spot, from the same case file.
    log_out(page)
    log_in(page, "gw1")
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("button", name=re.compile("^核查结案")).click()
    expect(page.locator(".case-header")).to_contain_text("已结案")

    # The supervisor reads the timeline: both levels, how long at each, a chain that holds.
    log_out(page)
    log_in(page, "sup_street")
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("link", name="流转时间线及哈希链校验").click()
    expect(page.locator(".chain--valid")).to_contain_text("哈希链校验通过")
    chart = page.locator("svg.timeline-chart__svg")
    expect(chart.locator("text.timeline-chart__label")).to_have_text(["社区", "街道"])
    assert chart.locator("rect.seg").count() >= 4
    levels = page.locator("table", has=page.locator("caption", has_text="各级用时"))
    expect(levels.locator("tbody tr")).to_have_count(2)
    expect(levels).to_contain_text("分钟")  # how long it stayed at each
    events = page.locator("table.events").inner_text()
    for expected in (
        "签收",
        "记录调解",
        "上交",
        "涉及楼上住户与物业公司",
        "化解",
        "核查结案",
        "med_comm",
        "med_street",
    ):
        assert expected in events, expected
    assert_axe_clean(page)
    screenshot("timeline")


def test_an_action_on_a_case_someone_else_changed_shows_the_fresh_case(page, api, screenshot):
    case = api.report("gw1").json
    log_in(page, "med_comm")
    page.goto(f"/cases/{case['id']}/act/escalate")
    page.fill("#reason", "需要街道协调")
    claimed = api.event("med_comm2", case, "claim").json  # meanwhile a colleague claims it and lets it go
    api.event("med_comm2", claimed, "release")
    page.get_by_role("button", name="上交").click()
    notice = page.locator(".notice--warning")
    expect(notice).to_contain_text("已被他人更改")
    expect(page.locator(".case-header")).to_contain_text("待受理")
    assert page.input_value("#reason") == "需要街道协调"  # nothing typed is lost
    assert_axe_clean(page)
    screenshot("changed")
    page.get_by_role("button", name="上交").click()  # sent again, on the case as it is now
    expect(page.locator("[role=status]")).to_contain_text("已完成：上交")


def test_an_action_taken_away_by_someone_else_keeps_what_was_typed_and_says_why(page, api):
    case = api.report("gw1").json
    log_in(page, "med_comm")
    page.goto(f"/cases/{case['id']}/act/escalate")
    page.fill("#reason", "需要街道协调")
    api.event("med_comm2", case, "claim")  # the colleague keeps it: escalating is his now
    page.get_by_role("button", name="上交").click()
    expect(page.locator(".notice--warning")).to_contain_text("此操作已不可进行")
    expect(page.locator(".case-header")).to_contain_text("承办人：med_comm2")
    assert page.input_value("#reason") == "需要街道协调"
    expect(page.locator("#reason")).to_be_disabled()
    expect(page.get_by_role("button", name="上交")).to_have_count(0)


def test_the_queue_filters_pages_and_marks_overdue_cases_in_words(page, api, live_server, screenshot):
    from datetime import timedelta

    from sqlalchemy import update

    from gridflow.clock import utcnow
    from gridflow.models import Case

    ids = [api.report("gw1", description=f"第{i}号纠纷").json["id"] for i in range(22)]
    incident = api.report("gw1", kind="incident", category="G02", risk=None, parties=None, description="井盖缺失").json
    with live_server.app.extensions["gridflow.db"].session() as s:  # the first is overdue
        s.execute(update(Case).where(Case.id == ids[0]).values(deadline=utcnow() - timedelta(hours=2)))
    log_in(page, "med_comm")
    expect(page.locator("#queue-count")).to_have_text("共 23 件")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("已超期")  # the mark is a word, not only a colour
    expect(page.locator("tbody tr")).to_have_count(20)
    page.get_by_role("link", name="下一页").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_role("link", name="上一页").click()
    expect(page.locator("tbody tr")).to_have_count(20)
    page.wait_for_load_state()  # htmx (a deferred script) listens from here on
    page.select_option("#kind", "incident")  # htmx: the results change, the page stays
    expect(page.locator("#queue-count")).to_have_text("共 1 件")
    expect(row_of(page, incident["number"])).to_be_visible()
    assert "kind=incident" in page.url
    page.select_option("#kind", "")
    page.fill("#q", "第7号")
    expect(page.locator("#queue-count")).to_have_text("共 1 件")
    assert_axe_clean(page)
    screenshot("filtered")
    with page.expect_download() as download:  # the export follows the filters
        page.get_by_role("link", name="Excel 工作簿").click()
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = list(workbook.active.iter_rows(values_only=True))
    assert (
        rows[0][0] == "案件编号"
        and len(rows) == 2
        and rows[1][0] == api.get("admin", f"/api/v1/cases/{ids[7]}").json["number"]
    )
    page.goto("/queue?grid=123")
    expect(page.locator("[data-error-summary]")).to_contain_text("网格须为网格编码")


def test_the_case_file_map_draws_the_grid_and_the_place_from_geojson(page, api, screenshot):
    case = api.report("gw1").json
    log_in(page, "med_comm")
    page.goto(f"/cases/{case['id']}")
    map_ = page.locator("[data-map]")
    expect(map_.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(map_.locator("path.map-focus")).to_have_count(1)  # the case's grid, outlined
    expect(map_.locator("path.map-grid").first).to_be_attached()  # its neighbours
    map_.locator("path.map-focus").click(force=True)
    expect(map_.locator(".map-popup__title")).to_have_text("网格001")  # click for details
    assert not page.locator("img.leaflet-tile").count()  # no tiles: nothing from elsewhere
    # Later pages script the same map: their own GeoJSON beside GridFlow's layers, their own styles.
    page.evaluate(
        """() => GridflowMap.views[0].addOverlay("gaps", {type: "FeatureCollection", features: [{type: "Feature",
             properties: {name: "gap"}, geometry: {type: "Point", coordinates: [115.01, 35.85]}}]},
             () => ({className: "test-overlay"}))"""
    )
    expect(map_.locator(".leaflet-marker-icon")).to_have_count(2)
    screenshot("map")


def test_the_desk_pages_turn_english(page, api):
    case = api.report("gw1").json
    log_in(page, "med_comm")
    page.goto("/queue?lang=en")
    expect(page.locator("main h1")).to_have_text("My queue")
    expect(page.locator("#queue-count")).to_have_text("1 case")
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(".actions")).to_contain_text("claim")
    page.goto(f"/cases/{case['id']}/timeline")
    expect(page.locator("text.timeline-chart__label")).to_have_text(["community"])


@pytest.mark.viewport(360, 740)
def test_the_queue_and_the_case_file_fit_a_phone(page, api, screenshot):
    case = api.report("gw1").json
    log_in(page, "med_comm")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_axe_clean(page)
    page.goto(f"/cases/{case['id']}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot("case")


def test_a_street_supervisor_supervises_and_urges_a_community_case(page, api, screenshot):
    case = api.report("gw1").json  # waiting at community level
    log_in(page, "sup_street")
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("link", name="督办").click()
    page.fill("#note", "请于月底前化解并书面报告")
    page.get_by_role("button", name="督办").click()
    expect(page.locator("#due-error")).to_contain_text("需要填写办结时限")  # the due time is required
    assert page.input_value("#note") == "请于月底前化解并书面报告"
    page.fill("#due", IN_A_MONTH + "T17:00")
    page.get_by_role("button", name="督办").click()
    expect(page.locator(".case-header")).to_contain_text("街道级督办")
    page.get_by_role("link", name="催办").click()
    page.fill("#reason", "当事人多次来电")
    assert_axe_clean(page)
    screenshot("urge-form")
    page.get_by_role("button", name="催办").click()
    expect(page.locator(".case-header")).to_contain_text("已催办 1 次")
    expect(page.locator(".summary-list")).to_contain_text("请于月底前化解并书面报告")
    assert_axe_clean(page)
    screenshot("supervised-case")
    log_out(page)
    log_in(page, "med_comm")
    row = row_of(page, case["number"])
    expect(row).to_contain_text("街道级督办")
    expect(row).to_contain_text("已催办 1 次")
    screenshot("queue-supervised")
