"""cases.xlsx and cases.csv: the case list's filters, one header row, one row per case equal to the
API's list, opened again with openpyxl and csv; the desk queue's export link.  Both back ends."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from gridflow.cases import export
from gridflow.clock import iso_local, parse_iso
from gridflow.web.labels import export_labels
from tests.cases_helpers import EAST, WEST_SW, Api, setup_city
from tests.web_helpers import web_login

ZH_HEADERS = [
    "案件编号",
    "类型",
    "类别",
    "网格",
    "行政区划",
    "状态",
    "层级",
    "上报时间",
    "结案时间",
    "办理时限",
    "已超期",
    "升级次数",
    "承办人",
]
EN_HEADERS = [
    "Case number",
    "Kind",
    "Category",
    "Grid",
    "Divisions",
    "State",
    "Level",
    "Reported",
    "Closed",
    "Deadline",
    "Overdue",
    "Escalations",
    "Assignee",
]


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    first = api.report("gw1").json
    api.event("med_comm", first, "claim")
    api.report("gw1", kind="incident", category="G01", description="路灯不亮", risk=None, parties=[], location=WEST_SW)
    api.report("gw3", location=EAST, description="东边漏水")
    return api


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cases-')
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def expected_rows(api, app, user: str, query: str, lang: str = "zh") -> list[list]:
    """The rows as the case list's JSON says them, its codes named in `lang` (the catalogue's names)."""
    with app.test_request_context():
        labels = export_labels(lang)
    items = api.get(user, f"/api/v1/cases?per_page=100&{query}").json["items"]
    rows = []
    for c in items:
        detail = api.get(user, f"/api/v1/cases/{c['id']}").json
        divisions = " / ".join(c[lvl]["name"] for lvl in ("city", "county", "street", "community"))
        rows.append(
            [
                c["number"],
                labels.code("kind", c["kind"]),
                f"{c['category']} {c['category_name']}",
                c["grid"]["name"],
                divisions,
                labels.code("state", c["state"]),
                labels.code("level", c["level"]),
                c["created_at"],
                detail["closed_at"] or "",
                c["deadline"] or "",
                labels.yes if c["overdue"] else labels.no,
                c["escalations"],
                c["assignee"]["name"] if c["assignee"] else "",
            ]
        )
    return rows


@pytest.mark.parametrize("query", ["", "kind=dispute", "q=漏水&sort=deadline", "grid=410902001001003"])
def test_the_workbook_and_the_csv_hold_the_case_list(api, app, query, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 2)  # several batches read from one cursor
    want = expected_rows(api, app, "admin", query)
    assert want  # every query finds something
    workbook = xlsx_rows(api.get("admin", f"/api/v1/cases.xlsx?{query}"))
    assert workbook[0] == ZH_HEADERS
    assert workbook[1:] == want
    text_rows = csv_rows(api.get("admin", f"/api/v1/cases.csv?{query}"))
    assert text_rows[0] == ZH_HEADERS
    assert text_rows[1:] == [[str(v) for v in row] for row in want]


def test_times_are_china_time_and_the_area_is_the_callers(api):
    rows = csv_rows(api.get("med_comm", "/api/v1/cases.csv"))[1:]
    assert len(rows) == 2  # the case in the east lies outside the community
    for row in rows:
        assert row[7].endswith("+08:00") and iso_local(parse_iso(row[7])) == row[7]
    assert [row[9][-6:] for row in rows if row[9]] == ["+08:00"]  # the filed one: the reported one has none
    assert {row[12] for row in rows} == {"", "med_comm"}  # the assignee, by his name


def test_english_headers_with_lang_en(api, app):
    workbook = xlsx_rows(api.get("admin", "/api/v1/cases.xlsx?lang=en&kind=dispute"))
    assert workbook[0] == EN_HEADERS
    assert workbook[1:] == expected_rows(api, app, "admin", "kind=dispute", "en")
    assert {row[1] for row in workbook[1:]} == {"dispute"} and {row[10] for row in workbook[1:]} == {"no"}
    assert csv_rows(api.get("admin", "/api/v1/cases.csv?lang=en"))[0] == EN_HEADERS


def test_bad_filters_are_refused_before_anything_is_sent(api):
    for fmt in ("xlsx", "csv"):
        answer = api.get("admin", f"/api/v1/cases.{fmt}?grid=410902001009999")
        assert answer.status_code == 422 and answer.json["error"]["field"] == "grid"
        answer = api.get("admin", f"/api/v1/cases.{fmt}?page=2")
        assert answer.status_code == 400 and answer.json["error"]["field"] == "page"


def test_the_queue_page_links_its_export(api, client):
    web_login(client, "med_comm")
    page = client.get("/queue?kind=dispute").get_data(as_text=True)
    assert 'href="/queue/export.xlsx?kind=dispute"' in page and 'href="/queue/export.csv?kind=dispute"' in page
    workbook = xlsx_rows(client.get("/queue/export.xlsx?kind=dispute"))
    assert workbook[0] == ZH_HEADERS
    queue = [row[0] for row in workbook[1:]]
    assert queue == [api.get("med_comm", "/api/v1/cases?kind=dispute&level=community").json["items"][0]["number"]]
    assert csv_rows(client.get("/queue/export.csv?q=漏水"))[1][0] == queue[0]
