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

VERIFY = "核查结案"  # the verify event's name on the page

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


def report(page, kind, category, text, photos=(), parties=(), same_as: str | None = None) -> None:
    """Report through the form from GPS; possible duplicates: "it is a new case", or "it's the same" as
    the case numbered `same_as`."""
    page.click("a[data-tab=report]")
    page.check(f"input[name=kind][value={kind}]")
    page.select_option("#category", category)
    page.fill("#description", text)
    page.click("#use-gps")
    page.wait_for_selector("#gps-status:has-text('精度')")
    if photos:
        page.set_input_files("#photos", photos, timeout=90_000)  # 50 MB through the DevTools protocol
        page.locator("#photo-list li").nth(len(photos) - 1).wait_for()
    for i, name in enumerate(parties, start=1):
        page.fill(f"#party-{i}-name", name)
    page.click("#send-report")
    page.wait_for_selector("#gps-status:has-text('上报已保存'), #duplicates:not([hidden])")
    if page.locator("#duplicates").is_visible():
        if same_as is None:
            page.click("#send-anyway")
        else:
            page.locator("#duplicate-list li", has_text=same_as).get_by_role("button").click()
    page.wait_for_selector("#gps-status:has-text('上报已保存')")


def outbox(page) -> list[tuple[str, str]]:
    page.click("a[data-tab=outbox]")
    return page.eval_on_selector_all("#outbox-list li", "items => items.map(i => [i.dataset.status, i.textContent])")


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


def test_a_grid_worker_reports_with_photos_offline_and_online_and_verifies_on_site(
    page, live_server, screenshot, tmp_path
):
    app = live_server.app
    field_login(page)
    assert_axe_clean(page)
    screenshot("grids")

    # A dispute with two photos, from GPS.
    shots = files(
        tmp_path, ("a.jpg", photo(size=(3000, 2000))), ("b.jpg", photo(size=(1200, 1600), color=(200, 80, 20)))
    )
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
    assert sorted(p["name"] for p in api.get("gw1", f"/api/v1/cases/{dispute['id']}").json["parties"]) == [
        "王五",
        "赵六",
    ]

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

    # The same again, online: the possible duplicates come before sending; "it's the same" merges it.
    older = max(api.get("gw1", "/api/v1/cases?category=G02").json["items"], key=lambda c: c["id"])
    page.click("a[data-tab=report]")
    report(page, "incident", "G02", "井盖缺失（重复）", same_as=older["number"])
    wait_all_sent(page)
    merged = max(api.get("gw1", "/api/v1/cases?category=G02").json["items"], key=lambda c: c["id"])
    assert merged["state"] == "merged"
    assert api.get("gw1", f"/api/v1/cases/{merged['id']}").json["merged_into"] == older["id"]
    before += 1

    # The same client_id twice: one case (201, then 200 with the same case).
    twice = page.evaluate(
        """async ([lon, lat]) => {
          const csrf = document.getElementById('app').dataset.csrf;
          const t = await (await fetch('/m/token', {method: 'POST', headers: {'X-CSRFToken': csrf}})).json();
          const body = JSON.stringify({kind: 'incident', category: 'G02', description: '同一个上报',
            location: {lon, lat}, client_id: crypto.randomUUID()});
          const send = () => fetch('/api/v1/cases', {method: 'POST', body,
            headers: {'Authorization': 'Bearer ' + t.token, 'Content-Type': 'application/json'}});
          const a = await send(), b = await send();
          return [a.status, (await a.json()).id, b.status, (await b.json()).id];
        }""",
        [WEST_NW["lon"], WEST_NW["lat"]],
    )
    assert twice[0] == 201 and twice[2] == 200 and twice[1] == twice[3]
    assert case_count(app) == before + 4

    # A resolved case is verified on site with a photo (and the phone's position).
    case = api.report().json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "resolve", outcome="调解成功", agreement={"form": "oral", "terms": "和解"}).json
    page.click("a[data-tab=work]")
    row = page.locator("#work-verify li", has_text=case["number"])
    row.get_by_role("button", name=VERIFY, exact=True).click()
    page.wait_for_selector("#act-position:has-text('精度')")
    page.set_input_files("#act-photos", files(tmp_path, ("site.jpg", photo(size=(2000, 1500)))))
    page.wait_for_timeout(500)  # the photo is made smaller first
    assert_axe_clean(page)
    screenshot("verify")
    page.click("#act-send")
    wait_all_sent(page)
    closed = api.get("gw1", f"/api/v1/cases/{case['id']}").json
    assert closed["state"] == "closed"
    stages = [a["stage"] for a in api.get("gw1", f"/api/v1/cases/{case['id']}/attachments").json["items"]]
    assert "verification" in stages

    # Files that are no photo, too large, or a decompression bomb: refused, and the outbox says why.
    bad = [
        ("page.jpg", b"<!doctype html><html><body><script>alert(1)</script></body></html>" * 10),
        ("huge.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (50 * 1000 * 1000)),
        ("bomb.png", png_bomb()),
    ]
    page.set_default_timeout(30_000)  # 50 MB go through the phone: a busy machine takes its time
    for name, content in bad:
        report(page, "incident", "G02", f"照片有问题：{name}", files(tmp_path, (name, content)))
        items = wait_all_sent(page, timeout_s=120)
    failed = [text for status, text in items if status == "failed"]
    assert len(failed) == 3, items
    by_name = {name: next(t for t in failed if name in t) for name, _ in bad}
    assert "该文件不是系统接受的照片" in by_name["page.jpg"]
    assert "文件太大" in by_name["huge.jpg"]
    assert "照片未被接受" in by_name["bomb.png"] and "pixels" in by_name["bomb.png"]
    assert_axe_clean(page)
    screenshot("refused")


KEPT = """async () => {
  const dbs = (await indexedDB.databases()).map(d => d.name).filter(n => n.startsWith('gridflow-field'));
  const entries = [];
  for (const name of await caches.keys()) {
    for (const r of await (await caches.open(name)).keys()) entries.push(new URL(r.url).pathname);
  }
  return {dbs, entries};
}"""


def kept(page) -> dict:
    """What the app keeps on the phone: its IndexedDB databases and the paths in its caches, except the
    program's own files (a page still loading may bring them back; they hold nobody's data)."""
    found = page.evaluate(KEPT)
    found["entries"] = [p for p in found["entries"] if not p.startswith("/static/")]
    return found


def test_logging_out_or_a_revoked_session_clears_what_the_phone_kept(page, live_server, screenshot):
    field_login(page)
    report(page, "dispute", "D02", "离开前的上报", parties=["王五"])
    wait_all_sent(page)
    page.wait_for_selector("#app[data-offline-ready=yes]")
    page.wait_for_timeout(500)
    before = kept(page)
    assert "gridflow-field-queue" in before["dbs"] and "/m/" in before["entries"], before
    with page.expect_navigation():
        page.click("#logout-form button")
    page.wait_for_selector("html[data-purged=yes]")
    assert "/m/?ended=1" in page.url and page.locator("[data-ended]").is_visible()
    assert kept(page) == {"dbs": [], "entries": []}
    assert_axe_clean(page)
    screenshot("logged-out")

    # A session revoked elsewhere (here: every token and session of gw1 ended through the API).
    field_login(page)
    page.click("a[data-tab=work]")
    page.locator("#work-mine li").first.wait_for()  # my work loaded (and kept)
    assert kept(page)["dbs"]
    api = Api(live_server.app.test_client(), {})
    assert api.post("gw1", "/api/v1/auth/logout").status_code == 204
    with page.expect_navigation():  # the app's next call finds the session ended: it clears all, then logs in
        page.click("#work-refresh")
    page.wait_for_selector("html[data-purged=yes]")
    assert kept(page) == {"dbs": [], "entries": []}


H1 = {"lon": WEST_NW["lon"] + 0.01, "lat": WEST_NW["lat"]}  # residence 1号楼 in gw1's grid, 0.9 km east


def open_entity(page, lonlat: dict, name: str) -> None:
    """Tap an entity on "My grids" (the map brought to it, close enough to show single entities)."""
    map_to(page, lonlat)
    tap_entity(page, lonlat, name)


def map_to(page, lonlat: dict) -> None:
    page.click("a[data-tab=grids]")
    page.wait_for_selector("#grids:not([hidden]) #grid-counts dt")  # my grids shown and drawn
    shows_cases = "() => { const v = window.GridflowMap.views[0]; return v.map.hasLayer(v.layers.cases); }"
    if page.evaluate(shows_cases):  # a case reported at the entity would lie on top of it: hide the cases
        if not page.get_by_role("checkbox", name="在办案件").is_visible():
            page.locator("#grid-map").get_by_role("button", name="地图图层").press("Enter")  # the list opens
        # The pointer comes in first: Leaflet ignores a click in the moment the pointer enters its list.
        page.locator("#grid-map .leaflet-control-layers").hover()
        page.wait_for_timeout(100)
        page.get_by_role("checkbox", name="在办案件").click()  # (Leaflet redraws the list: the box is replaced)
        assert not page.evaluate(shows_cases)
        page.mouse.move(5, 600)  # the pointer leaves the list: it folds up again
        page.locator("#grid-map .leaflet-control-layers-list").wait_for(state="hidden")
    at = [lonlat["lon"], lonlat["lat"]]
    for _ in range(20):  # the map may still be fitting itself to my grids: bring it back until it stays
        zoom = page.evaluate(
            """([lon, lat]) => {
              const map = window.GridflowMap.views[0].map;
              if (map.getZoom() !== 18) map.setView([lat, lon], 18, {animate: false});
              return map.getZoom();
            }""",
            at,
        )
        page.wait_for_timeout(400)  # the entities of the new view
        if zoom == 18 and page.evaluate("() => window.GridflowMap.views[0].map.getZoom()") == 18:
            break


def tap_entity(page, lonlat: dict, name: str) -> None:
    at = [lonlat["lon"], lonlat["lat"]]
    box = page.locator("#grid-map").bounding_box()
    point = page.evaluate("([lon, lat]) => window.GridflowMap.views[0].map.latLngToContainerPoint([lat, lon])", at)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector(f"#entity-detail h2:has-text('{name}')")


def test_a_patrol_with_positions_and_a_visit_ends_in_the_days_log(page, live_server, screenshot):
    api = Api(live_server.app.test_client(), {})
    field_login(page)
    page.click("a[data-tab=patrol]")
    page.click("#patrol-start")
    page.wait_for_selector("#patrol-status:has-text('1')")  # the first position, where the phone is
    page.context.set_geolocation({"longitude": H1["lon"] + 0.0001, "latitude": H1["lat"]})  # at 1号楼's door
    page.wait_for_selector("#patrol-status:has-text('2')")
    open_entity(page, H1, "1号楼")  # its details opened on patrol: a visit
    open_entity(page, H1, "1号楼")  # opened again: still one visit
    page.click("a[data-tab=report]")  # a case reported at the road in front: a visit too
    page.select_option("#category", "G02")
    page.fill("#description", "路面塌陷")
    page.fill("#entity", "中原路")
    page.dispatch_event("#entity", "change")
    page.click("#send-report")
    page.wait_for_selector("#gps-status:has-text('上报已保存')")
    page.context.set_geolocation({"longitude": H1["lon"] + 0.0001, "latitude": H1["lat"] + 0.002})  # 220 m north
    page.click("a[data-tab=patrol]")
    page.wait_for_selector("#patrol-status:has-text('3')")
    assert "走访 2 个对象" in page.locator("#patrol-status").inner_text()  # two entities visited
    page.click("#patrol-end")
    wait_all_sent(page)
    page.click("a[data-tab=patrol]")
    log = page.locator("#patrol-day li.patrol-log")
    log.wait_for()
    day = api.get("gw1", "/api/v1/patrols").json
    (patrol,) = day["patrols"]
    # (a fix every 30 s comes on top on a slow machine)
    assert patrol["points"] >= 3 and 1050 < patrol["distance_m"] < 1250, patrol
    assert [(v["entity"], v["how"], v["near"]) for v in patrol["visits"]] == [
        ("H1", "details", True),
        ("R1", "report", True),
    ]
    text = log.inner_text()
    assert f"{patrol['distance_m'] / 1000:.1f} 公里" in text and "分钟" in text, text
    assert "1号楼" in text and "打开详情" in text and "现场" in text, text
    totals = page.locator("#patrol-day-totals").inner_text()
    assert "走访对象" in totals and "2" in totals, totals
    assert "中原路 (道路) · 上报事件" in text, text
    assert_axe_clean(page)
    screenshot("patrol-log")


def test_an_entity_shows_its_details_and_case_history_also_without_signal(page, live_server, screenshot):
    api = Api(live_server.app.test_client(), {})
    case = api.post(
        "gw1", "/api/v1/cases", {"kind": "incident", "category": "G02", "description": "楼道灯坏了", "entity": "H1"}
    ).json
    field_login(page)
    page.wait_for_selector("#app[data-entities-kept=yes]")  # my grids' entities kept on the phone
    map_to(page, H1)  # the map seen here once
    page.context.set_offline(True)  # no signal: never opened, but kept
    tap_entity(page, H1, "1号楼")
    detail = page.locator("#entity-detail")
    detail.locator(f"li:has-text('{case['number']}')").wait_for()
    assert "无信号" in detail.inner_text()
    page.context.set_offline(False)
    open_entity(page, H1, "1号楼")
    detail.locator(f"li:has-text('{case['number']}')").wait_for()
    text = detail.inner_text()
    assert "案件记录：1" in text and case["category_name"] in text and case["created_at"][:10] in text, text
    assert_axe_clean(page)
    screenshot("entity")
    page.context.set_offline(True)  # opened again without signal: the kept history
    page.click("a[data-tab=report]")
    open_entity(page, H1, "1号楼")
    detail.locator(f"li:has-text('{case['number']}')").wait_for()
    assert "无信号" in detail.inner_text()


def test_a_follow_up_visit_due_is_recorded_from_the_phone_without_signal(page, live_server, screenshot):
    api = Api(live_server.app.test_client(), {})
    case = api.report().json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "resolve", outcome="调解成功", agreement={"form": "oral", "terms": "和解"}).json
    case = api.event("gw1", case, "verify").json
    assert case["state"] == "closed"
    field_login(page)
    page.click("a[data-tab=work]")
    row = page.locator("#work-follow li", has_text=case["number"])
    row.wait_for()
    assert "当事人是否满意" in row.inner_text()
    page.context.set_offline(True)  # at the door, no signal
    row.get_by_role("button", name="回访", exact=True).click()
    page.fill("#act-reason", "双方表示满意，已和好")
    page.locator("#act-satisfied").get_by_label("是", exact=True).check()
    assert_axe_clean(page)
    screenshot("follow-up")
    page.click("#act-send")
    page.locator("#work-follow li", has_text=case["number"]).wait_for(state="detached")  # recorded: off the list
    assert [s for s, _ in outbox(page)] == ["waiting"]
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_all_sent(page)
    visits = api.get("gw1", f"/api/v1/cases/{case['id']}").json["follow_ups"]
    assert [(v["notes"], v["satisfied"]) for v in visits] == [("双方表示满意，已和好", True)]
    assert api.get("gw1", "/api/v1/follow-ups").json["total"] == 0
    page.click("a[data-tab=work]")
    page.click("#work-refresh")
    page.locator("#work-follow li.hint").wait_for()


def test_an_event_on_a_stale_version_comes_back_409_and_the_phone_asks_again(page, live_server, screenshot):
    api = Api(live_server.app.test_client(), {})
    case = api.report().json
    case = api.event("med_comm", case, "claim").json
    case = api.event("med_comm", case, "resolve", outcome="调解成功", agreement={"form": "oral", "terms": "和解"}).json
    case = api.event("gw1", case, "verify").json
    field_login(page)
    page.click("a[data-tab=work]")
    row = page.locator("#work-follow li", has_text=case["number"])
    row.wait_for()
    page.context.set_offline(True)
    row.get_by_role("button", name="回访", exact=True).click()
    page.fill("#act-reason", "网格员回访：已和好")
    page.click("#act-send")
    assert [s for s, _ in outbox(page)] == ["waiting"]
    # Meanwhile the mediator visits too: the case the phone knew is one version behind.
    meanwhile = api.event("med_comm", case, "follow_up", visit={"notes": "调解员回访", "satisfied": True})
    assert meanwhile.status_code == 200 and meanwhile.json["version"] > case["version"]
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    items = wait_all_sent(page)
    assert [s for s, _ in items] == ["stale"], items
    stale = page.locator("#outbox-list li[data-status=stale]")
    text = stale.inner_text()
    assert "案件已有变化" in text and f"案件 {case['number']} 现在的状态：已结案" in text, text
    assert len(api.get("gw1", f"/api/v1/cases/{case['id']}").json["follow_ups"]) == 1  # nothing applied
    assert "1 项待确认" in page.locator("#outbox-status").inner_text()
    assert_axe_clean(page)
    screenshot("stale")
    stale.get_by_role("button", name="重新发送").click()  # as the case is now
    page.locator("#outbox-list li[data-status=sent]").wait_for()
    items = wait_all_sent(page)
    assert [s for s, _ in items] == ["sent"], items
    notes = [v["notes"] for v in api.get("gw1", f"/api/v1/cases/{case['id']}").json["follow_ups"]]
    assert notes == ["调解员回访", "网格员回访：已和好"]


def test_the_maps_controls_are_big_enough_to_tap_on_a_phone(page, live_server, screenshot):
    field_login(page)
    grid_map = page.locator("#grid-map")
    grid_map.locator(".leaflet-control-layers-toggle").wait_for()

    def small(locator) -> list[str]:
        boxes = [(locator.nth(i), locator.nth(i).bounding_box()) for i in range(locator.count())]
        assert boxes, locator
        return [f"{item}: {box}" for item, box in boxes if box["width"] < 44 or box["height"] < 44]

    assert small(grid_map.get_by_role("button", name="放大")) == []
    assert small(grid_map.get_by_role("button", name="缩小")) == []
    toggle = grid_map.get_by_role("button", name="地图图层")
    assert small(toggle) == []  # the layer list folded into one button: the map stays visible
    assert not grid_map.get_by_role("checkbox", name="网格").is_visible()
    toggle.press("Enter")
    assert small(grid_map.locator(".leaflet-control-layers label")) == []  # each layer's whole row
    assert_axe_clean(page)
    screenshot("layers")
    open_entity(page, H1, "1号楼")  # its popup's close button too
    assert small(grid_map.locator(".leaflet-popup-close-button")) == []
    assert_axe_clean(page)
    screenshot("popup")
