"""The administrator's pages through Flask's test client, on both back ends: uploads checked by a dry
run of the import and refused with every problem, imports with the entities that move, coverage,
users, workers and grid ownership, categories, the working calendar, the audit log."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import box
from sqlalchemy import select

from gridflow.audit import read
from gridflow.models import Entity, Grid, User
from tests import fixtures as fx
from tests.cases_helpers import PASSWORD, setup_city
from tests.web_helpers import HTML, csrf_token, post_form, web_login

H, W, X0, Y0 = fx.H, fx.W, fx.X0, fx.Y0
WIDER_003 = box(X0, Y0, X0 + H + 0.01, Y0 + H)  # reaches 0.01° into 004
NARROWER_004 = box(X0 + H + 0.01, Y0, X0 + W, Y0 + H)


@pytest.fixture
def admin(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    web_login(client, "admin")
    return client


def upload(client, kind: str, data, name: str = "grids.geojson", crs: str = "wgs84"):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    token = csrf_token(client.get("/admin/imports", headers=HTML).text)
    return client.post(
        "/admin/imports",
        data={"csrf_token": token, "kind": kind, "crs": crs, "file": (io.BytesIO(raw), name)},
        headers=HTML,
        content_type="multipart/form-data",
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))).strip()


def grid_owner(db, code: str) -> str | None:
    with db.session() as s:
        grid = s.scalars(select(Grid).where(Grid.code == code)).one()
        return grid.worker.staff_no if grid.worker else None


def entity_grid(db, ref: str) -> str | None:
    with db.session() as s:
        entity = s.scalars(select(Entity).where(Entity.ref == ref)).one()
        return entity.grid.code if entity.grid else None


ADMIN_PAGES = [
    "/admin",
    "/admin/imports",
    "/admin/coverage",
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


def test_every_admin_page_opens_for_admins_in_chinese_and_english_and_for_nobody_else(admin, client, db):
    for path in ADMIN_PAGES:
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert '<html lang="zh-Hans">' in page.text, path
        english = client.get(path + ("&" if "?" in path else "?") + "lang=en", headers=HTML)
        assert english.status_code == 200 and '<html lang="en">' in english.text, path
        client.get("/start?lang=zh")
    assert "/admin/imports" in client.get("/admin", headers=HTML).text
    assert "/admin" in client.get("/start", headers=HTML).text  # the menu and the start page
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    web_login(client, "sup_city")
    for path in ADMIN_PAGES:
        assert client.get(path, headers=HTML).status_code == 403, path
    assert "/admin" not in re.findall(r'href="(/admin[^"]*)"', client.get("/start", headers=HTML).text)


def test_a_grid_file_with_an_overlap_is_refused_with_both_codes_and_the_area_and_nothing_is_stored(admin, client, db):
    before = read.entries(db, read.filtered(kind="import"))
    imports_before = len(list(before))
    sent = upload(client, "grids", fx.grids({"410902001001003": WIDER_003}))
    assert sent.status_code == 302
    preview_url = sent.headers["Location"]
    preview = client.get(preview_url, headers=HTML)
    assert preview.status_code == 422
    shown = text_of(preview.text)
    overlap = re.search(r"网格 410902001001003 与 410902001001004 重叠 ([\d,.]+) 平方米", shown)
    assert overlap, shown[:2000]
    area = float(overlap.group(1).replace(",", ""))
    assert 5.5e6 < area < 7e6  # 0.01° × 0.0625° at 35.8° N
    assert "导入文件" not in shown or 'action="' + preview_url not in preview.text  # no import button
    # The map layer: the file's features and the overlap with both codes and its m².
    layer = client.get(preview_url + "/map.geojson").json
    overlaps = [f["properties"] for f in layer["features"] if f["properties"]["role"] == "overlap"]
    assert overlaps == [
        {"role": "overlap", "codes": ["410902001001003", "410902001001004"], "area_m2": pytest.approx(area, rel=1e-3)}
    ]
    # Posting the import anyway is refused the same way, and nothing is stored.
    refused = post_form(client, preview_url, {}, page=preview_url)
    assert refused.status_code == 422 and "410902001001004" in refused.text
    with db.session() as s:
        stored = s.scalars(select(Grid).where(Grid.code == "410902001001003")).one()
        assert stored.boundary is not None
    assert entity_grid(db, "U1") == "410902001001004"
    assert len(list(read.entries(db, read.filtered(kind="import")))) == imports_before


def test_problems_of_a_file_are_listed_with_their_feature_and_a_file_that_is_no_json_is_refused_on_the_form(
    admin, client
):
    grids = fx.grids()
    grids["features"][1]["properties"]["code"] = "12"
    del grids["features"][3]["properties"]["name"]
    preview = client.get(upload(client, "grids", grids).headers["Location"], headers=HTML)
    assert preview.status_code == 422
    shown = text_of(preview.text)
    assert "要素 1" in shown and "要素 3" in shown and "无法导入" in shown
    bad = upload(client, "grids", b"{not json", name="broken.geojson")
    assert bad.status_code == 422
    assert "broken.geojson" in field_error(bad.text, "file")
    assert 'value="grids" selected' in bad.text  # what was chosen stays
    empty = upload(client, "", fx.grids())
    assert empty.status_code == 422 and field_error(empty.text, "kind")


def test_a_good_grid_file_is_previewed_with_the_entities_that_move_then_imported_and_audited(admin, client, db, app):
    sent = upload(client, "grids", fx.grids({"410902001001003": WIDER_003, "410902001001004": NARROWER_004}))
    preview_url = sent.headers["Location"]
    preview = client.get(preview_url, headers=HTML)
    assert preview.status_code == 200, text_of(preview.text)[:1500]
    shown = text_of(preview.text)
    assert "可以导入" in shown
    assert re.search(r"U1 410902001001004 410902001001003", shown), shown  # the unit that would move
    assert entity_grid(db, "U1") == "410902001001004"  # a preview stores nothing
    done = post_form(client, preview_url, {}, page=preview_url)
    assert done.status_code == 200
    assert "U1" in text_of(done.text) and "已导入" in text_of(done.text)
    assert entity_grid(db, "U1") == "410902001001003"
    entry = next(iter(read.entries(db, read.filtered(kind="import.grids"))))
    assert entry.actor == "admin" and entry.subject == "file:grids.geojson" and entry.data["via"] == "upload"
    assert entry.data["updated"] == 2 and entry.data["features"] == 2
    # The upload is gone once imported.
    assert client.get(preview_url, headers=HTML).status_code == 404


def test_an_upload_is_its_uploaders_only(admin, client, db):
    with db.session() as s:
        from gridflow.people.users import add_user

        add_user(s, "admin2", "admin", None, None, PASSWORD)
    url = upload(client, "divisions", fx.divisions(), name="divisions.geojson").headers["Location"]
    assert client.get(url, headers=HTML).status_code == 200
    other = client.application.test_client()
    web_login(other, "admin2")
    assert other.get(url, headers=HTML).status_code == 404
    assert other.get(url + "/map.geojson").status_code == 404
    assert client.get("/admin/imports/..%2F..%2Fchain.key", headers=HTML).status_code == 404


def test_coverage_of_a_division_shows_gaps_and_overlaps_with_their_area(admin, client, db, runner, tmp_path):
    valid = client.get("/admin/coverage?code=410902001001", headers=HTML)
    assert valid.status_code == 200 and "没有空隙或重叠" in text_of(valid.text)
    sent = upload(client, "grids", fx.grids({"410902001001003": box(X0, Y0, X0 + H - 0.01, Y0 + H)}))
    post_form(client, sent.headers["Location"], {}, page=sent.headers["Location"])  # leaves a gap
    report = client.get("/admin/coverage?code=410902001001", headers=HTML)
    shown = text_of(report.text)
    assert "不符合" in shown and "空隙" in shown and "平方米" in shown
    layer = client.get("/admin/coverage/map.geojson?code=410902001001").json
    roles = [f["properties"]["role"] for f in layer["features"]]
    assert roles == ["area", "gap"] and layer["features"][1]["properties"]["area_m2"] > 5e6
    bad = client.get("/admin/coverage?code=abc", headers=HTML)
    assert bad.status_code == 422 and field_error(bad.text, "code")


def test_an_admin_adds_a_user_disables_enables_him_and_sets_his_password(admin, client, db):
    bad = post_form(
        client,
        "/admin/users/new",
        {
            "username": "new.mediator",
            "name": "新调解员",
            "role": "mediator",
            "division": "410902001001",
            "password": "short",
        },
    )
    assert bad.status_code == 422
    assert "10" in field_error(bad.text, "password")
    assert 'value="new.mediator"' in bad.text and 'value="410902001001"' in bad.text  # nothing typed lost
    assert 'value="short"' not in bad.text  # but the password is not sent back
    with db.session() as s:
        assert s.scalars(select(User).where(User.username == "new.mediator")).first() is None
    made = post_form(
        client,
        "/admin/users/new",
        {
            "username": "new.mediator",
            "name": "新调解员",
            "role": "mediator",
            "division": "410902001001",
            "password": "a good password",
        },
    )
    assert made.status_code == 302
    user_url = made.headers["Location"]
    assert "新调解员" in client.get(user_url, headers=HTML).text
    other = client.application.test_client()
    web_login(other, "new.mediator", "a good password")
    assert post_form(client, user_url + "/active", {"active": "0"}, page=user_url).status_code == 302
    assert other.get("/queue", headers=HTML).status_code == 302  # his session ended
    refused = post_form(other, "/login", {"username": "new.mediator", "password": "a good password"})
    assert refused.status_code == 422  # a disabled account cannot log in
    assert post_form(client, user_url + "/active", {"active": "1"}, page=user_url).status_code == 302
    short = post_form(client, user_url + "/password", {"password": "new.mediator"}, page=user_url)
    assert short.status_code == 422 and field_error(short.text, "password")
    assert post_form(client, user_url + "/password", {"password": "another good one"}, page=user_url).status_code == 302
    web_login(other, "new.mediator", "another good one")
    kinds = [e.kind for e in read.entries(db, read.filtered(kind="user", subject="user:new.mediator"))]
    assert kinds == ["user.password", "user.enable", "user.disable", "user.create"]
    # His role and area change through the same form; an admin cannot disable himself.
    changed = post_form(
        client,
        user_url,
        {
            "role": "supervisor",
            "name": "新督办员",
            "division": "410902001",
            "grids": "",
            "email": "x@example.cn",
            "phone": "",
        },
        page=user_url,
    )
    assert changed.status_code == 302
    assert "督办" in client.get(user_url, headers=HTML).text
    with db.session() as s:
        me = s.scalars(select(User).where(User.username == "admin")).one().id
    myself = post_form(client, f"/admin/users/{me}/active", {"active": "0"}, page=f"/admin/users/{me}")
    assert myself.status_code == 422 and "不能停用自己的账户" in text_of(myself.text)
    listed = client.get("/admin/users?role=supervisor&q=new", headers=HTML)
    assert "new.mediator" in listed.text and "gw1" not in listed.text


def test_an_admin_hands_a_grid_to_another_worker(admin, client, db):
    first = grid_owner(db, "410902001001001")
    assert first is not None
    made = post_form(client, "/admin/workers", {"staff_no": "W900", "name": "接手网格员", "phone": ""})
    assert made.status_code == 302
    url = "/admin/grids/410902001001001/worker"
    unknown = post_form(client, url, {"staff_no": "W404"})
    assert unknown.status_code == 422 and field_error(unknown.text, "staff_no") == "没有工号为 W404 的网格员"
    assert 'value="W404"' in unknown.text
    assert grid_owner(db, "410902001001001") == first
    handed = post_form(client, url, {"staff_no": "W900"})
    assert handed.status_code == 302
    assert grid_owner(db, "410902001001001") == "W900"
    listed = client.get("/admin/workers?q=W900", headers=HTML).text
    assert "410902001001001" in listed and "接手网格员" in listed
    entry = next(iter(read.entries(db, read.filtered(subject="grid:410902001001001"))))
    assert entry.kind == "grid.owner" and entry.data == {"from": first, "to": "W900"}
    assert client.get("/admin/grids/999999999999999/worker", headers=HTML).status_code == 404


def category_form(page: str) -> dict[str, str]:
    """The limits of a category's form as it shows them (amounts and units), and a change to send."""
    fields = dict(
        re.findall(
            r'name="((?:limits|filing_limit|verification_limit)[^"]*amount)"\s+inputmode="decimal"\s+value="([^"]*)"',
            page,
        )
    )
    units = dict(
        re.findall(
            r'<select class="input input--short" id="([^"]+)" name="[^"]+">\s*(?:<option[^>]*>[^<]*</option>)*?<option value="([^"]+)" selected',
            page,
        )
    )
    assert len(fields) == 6 and len(units) == 6, (fields, units)
    return {**fields, **units, "based_on": "1", "name": "城市道路照明", "name_en": "street lighting", "note": "新规"}


def test_an_admin_changes_a_category_limit_as_a_new_version(admin, client, db):
    url = "/admin/categories/G01"
    page = client.get(url, headers=HTML).text
    form = category_form(page)
    same = post_form(
        client,
        url,
        {
            **form,
            "name": re.search(r'id="name" name="name" type="text" value="([^"]*)"', page).group(1),
            "name_en": re.search(r'id="name_en" name="name_en" type="text" value="([^"]*)"', page).group(1),
        },
    )
    bad = post_form(client, url, {**form, "limits.street.amount": "-3"})
    assert bad.status_code == 422 and field_error(bad.text, "limits.street")
    assert 'value="-3"' in bad.text
    changed = post_form(client, url, {**form, "limits.street.amount": "7", "limits.street.unit": "working_days"})
    assert changed.status_code == 302, text_of(changed.text)[:1000]
    api_view = client.get("/api/v1/categories").json
    g01 = next(c for c in api_view["items"] if c["code"] == "G01")
    assert g01["version"] == 2 and g01["limits"]["street"] == {"amount": 7.0, "unit": "working_days"}
    stale = post_form(client, url, {**form, "limits.street.amount": "8"})
    assert stale.status_code == 422  # based on version 1: changed by someone else meanwhile
    assert same.status_code == 422  # nothing changed: no version is made


def test_an_admin_keeps_the_working_calendar(admin, client, db):
    url = "/admin/calendar/2027"
    bad = post_form(client, url + "/overrides", {"date": "2028-02-11", "kind": "holiday", "name": "春节"}, page=url)
    assert bad.status_code == 422 and "2027" in field_error(bad.text, "date")
    assert (
        post_form(
            client, url + "/overrides", {"date": "2027-02-11", "kind": "holiday", "name": "春节"}, page=url
        ).status_code
        == 302
    )
    assert "<td>春节</td>" in client.get(url, headers=HTML).text
    assert post_form(client, url + "/overrides/2027-02-11/remove", {}, page=url).status_code == 302
    assert "<td>春节</td>" not in client.get(url, headers=HTML).text
    lines = post_form(client, url + "/import", {"csv": "2027-02-20,workday,调休\nnot a line\n"}, page=url)
    assert lines.status_code == 422 and "2" in text_of(lines.text)
    assert post_form(client, url + "/confirm", {"note": "国办发明电〔2026〕1号"}, page=url).status_code == 302
    assert "国办发明电〔2026〕1号" in client.get(url, headers=HTML).text
    assert client.get("/admin/calendar", headers=HTML).status_code == 302


def test_the_audit_page_filters_and_shows_whether_the_chain_verifies(admin, client, db):
    client.get("/admin/audit", headers=HTML)
    page = client.get("/admin/audit?kind=login&actor=admin", headers=HTML)
    shown = text_of(page.text)
    assert page.status_code == 200 and "login.success" in shown and "import.grids" not in shown
    assert "验证通过" not in shown and "立即验证链条" in shown  # verifying reads every entry: on request
    verified = text_of(client.get("/admin/audit?kind=login&verify=1", headers=HTML).text)
    assert re.search(r"链条验证通过：共 \d+ 条", verified) and "login.success" in verified
    imports = text_of(client.get("/admin/audit?kind=import", headers=HTML).text)
    assert "import.grids" in imports and "login.success" not in imports
    bad = client.get("/admin/audit?from=yesterday", headers=HTML)
    assert bad.status_code == 422 and field_error(bad.text, "from")
    assert "login.success" in text_of(bad.text)  # the whole log below the error


def pager_of(html: str) -> str:
    match = re.search(r'<nav class="pager" aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert match, "the page has no pager"
    return match.group(1)


def link(pager: str, rel: str) -> dict[str, list[str]] | None:
    """The query of the pager's `rel` link (None: no such link)."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', pager)
    return parse_qs(urlsplit(unescape(match.group(1))).query) if match else None


@pytest.mark.parametrize(
    ("path", "filters"),
    [
        ("/admin/users", {"role": "grid_worker"}),
        ("/admin/workers", {"q": "W"}),
        ("/admin/audit", {"kind": "import"}),
    ],
)
def test_the_pages_of_a_list_keep_its_filters(admin, client, path, filters):
    query = {**filters, "per_page": "1"}
    first = pager_of(client.get(path, query_string=query, headers=HTML).text)
    assert "第 1 页，共" in text_of(first) and link(first, "prev") is None
    onward = link(first, "next")
    assert onward == {"page": ["2"], **{k: [v] for k, v in query.items()}}
    second = pager_of(client.get(path, query_string={**query, "page": "2"}, headers=HTML).text)
    assert "第 2 页" in text_of(second)
    assert link(second, "prev") == {"page": ["1"], **{k: [v] for k, v in query.items()}}
    unfiltered = client.get(path, query_string={"per_page": "1"}, headers=HTML).text
    assert link(pager_of(unfiltered), "next") == {"page": ["2"], "per_page": ["1"]}
    assert client.get(path, query_string={"per_page": "100"}, headers=HTML).text.count('class="pager"') == 0
    beyond = pager_of(client.get(path, query_string={**query, "page": "999"}, headers=HTML).text)
    last = link(beyond, "prev")
    assert last is not None and int(last["page"][0]) > 1 and link(beyond, "next") is None
    assert "<tbody>" in client.get(path, query_string={**query, **last}, headers=HTML).text  # the last page


def test_the_calendar_links_the_years_around_it(admin, client):
    years = pager_of(client.get("/admin/calendar/2027", headers=HTML).text)
    assert re.search(r'rel="prev" href="/admin/calendar/2026">2026</a>', years)
    assert re.search(r'rel="next" href="/admin/calendar/2028">2028</a>', years)


def test_what_is_wrong_with_a_limit_a_day_or_a_calendar_file_is_said_in_the_pages_language(admin, client):
    url = "/admin/categories/G01"
    form = category_form(client.get(url, headers=HTML).text)
    for change, message in (
        ({"limits.street.amount": "-3"}, "街道须大于 0"),
        ({"limits.street.amount": "999"}, "街道：须大于 0 且不超过 250 工作日"),
        ({"limits.street.unit": "weeks"}, "街道须为小时、工作小时或工作日"),
    ):
        bad = post_form(client, url, {**form, **change})
        assert bad.status_code == 422 and field_error(bad.text, "limits.street") == message, change
    again = post_form(client, url + "/active", {"active": "1"}, page=url)
    assert again.status_code == 422 and "类别 G01 已在使用中" in text_of(again.text)
    url = "/admin/calendar/2027"
    for day, message in (
        ("2027-13-01", "日期：不是日历上存在的日期"),
        ("20270101", "日期：须为“年-月-日”格式的日期（YYYY-MM-DD）"),
        ("1999-01-01", "日期：须在 2000 至 2099 年之间"),
    ):
        bad = post_form(client, url + "/overrides", {"date": day, "kind": "holiday"}, page=url)
        assert bad.status_code == 422 and field_error(bad.text, "date") == message, day
        assert f'value="{day}"' in bad.text
    bad_kind = post_form(client, url + "/overrides", {"date": "2027-02-11", "kind": "weekend"}, page=url)
    assert field_error(bad_kind.text, "kind") == "日期类型须为休息日（放假）或上班日（调休）"
    lines = post_form(client, url + "/import", {"csv": "2027-02-30,holiday,x\n2027-03-01\n"}, page=url)
    assert lines.status_code == 422 and field_error(lines.text, "csv") == "2 行有误，未导入任何内容"
    listed = text_of(re.search(r'<ul class="field__error">(.*?)</ul>', lines.text, re.S).group(1))
    assert "第 1 行: 日期：不是日历上存在的日期" in listed
    assert "第 2 行: 应为“日期,类型,名称”（名称可省略），实际有 1 项" in listed
    client.get("/start?lang=en")
    english = post_form(client, url + "/overrides", {"date": "2027-13-01", "kind": "holiday"}, page=url)
    assert field_error(english.text, "date") == "Date: is not a day of the calendar"


def test_the_problems_of_a_file_are_said_in_the_pages_language(admin, client):
    grids = fx.grids()
    grids["features"][1]["properties"]["code"] = "12"
    del grids["features"][3]["properties"]["name"]
    grids["features"][4]["geometry"] = {"type": "Point", "coordinates": [X0, Y0]}
    preview = upload(client, "grids", grids).headers["Location"]
    shown = unescape(text_of(client.get(preview, headers=HTML).text))
    assert "要素 1: 网格编码 '12' 须为 15 位数字（社区代码加 3 位序号）" in shown
    assert "要素 3: 缺少属性“name”" in shown
    assert "要素 4: 此处不允许几何类型 'Point'（应为 Polygon or MultiPolygon）" in shown
    english = unescape(text_of(client.get(preview + "?lang=en", headers=HTML).text))
    assert "Feature 3: missing property 'name'" in english
