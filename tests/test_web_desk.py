"""The desk pages through Flask's test client, on both back ends: who may open them, forms that
answer bad input next to the field, stale versions, claim in place, the agreement and the timeline."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from gridflow import create_app
from tests.cases_helpers import IN_A_MONTH, Api, setup_city
from tests.web_helpers import HTML, csrf_token, post_form, web_login


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client.application.test_client(), {})


def fresh(api, user, case):
    return api.get(user, f"/api/v1/cases/{case['id']}").json


def act(client, case, event, page=None, **fields):
    return post_form(
        client,
        f"/cases/{case['id']}/events",
        {"event": event, "version": case["version"], **fields},
        page=page or f"/cases/{case['id']}",
    )


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field}"
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))  # "Error:" for screen readers
    return re.sub(r"<[^>]+>", "", shown).strip()


def test_the_queue_is_for_mediators_supervisors_and_admins(client, api):
    for user, status in (("med_comm", 200), ("sup_city", 200), ("admin", 200), ("gw1", 403)):
        web_login(client, user)
        assert client.get("/queue", headers=HTML).status_code == status, user
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})


def test_the_queue_shows_each_case_with_its_number_marks_and_allowed_actions(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    page = client.get("/queue", headers=HTML).text
    assert case["number"] in page and "共 1 件" in page and "风险：黄色" in page
    assert 'name="event" value="claim"' in page and 'name="event" value="escalate"' not in page
    assert f'hx-post="/cases/{case["id"]}/events"' in page
    english = client.get("/queue?lang=en", headers=HTML).text
    assert "1 case" in english and "Risk: yellow" in english


def test_filters_that_do_not_parse_are_named_above_the_whole_queue(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    page = client.get("/queue?grid=12", headers=HTML)
    assert page.status_code == 422
    assert '<a href="#grid">网格须为网格编码（15 位数字）</a>' in page.text
    assert case["number"] in page.text  # the queue itself is still there, unfiltered
    long = "漏水" * 51
    page = client.get(f"/queue?q={long}", headers=HTML)
    assert page.status_code == 422 and "案件编号或关键词不能超过 100 个字符" in page.text
    assert f'value="{long}"' in page.text  # what was typed stays


def test_claim_from_the_queue_in_place_answers_with_the_row_and_without_htmx_goes_back(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    token = csrf_token(client.get("/queue", headers=HTML).text)
    row = client.post(
        f"/cases/{case['id']}/events",
        data={"event": "claim", "version": case["version"], "from": "queue"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert row.status_code == 200 and row.text.lstrip().startswith("{#") is False
    assert row.text.strip().startswith("<tr") and 'value="release"' in row.text and "办理中" in row.text
    released = act(client, fresh(api, "med_comm", case), "release", page="/queue", **{"from": "queue"})
    assert released.status_code == 302 and released.headers["Location"] == "/queue"


def test_a_claim_someone_else_got_first_comes_back_as_the_row_with_a_notice(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    token = csrf_token(client.get("/queue", headers=HTML).text)
    api.event("med_comm2", case, "claim")
    row = client.post(
        f"/cases/{case['id']}/events",
        data={"event": "claim", "version": case["version"], "from": "queue"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert row.status_code == 200 and "已被他人更改" in row.text and "承办人：med_comm2" in row.text
    assert 'value="claim"' not in row.text


def test_an_action_form_answers_bad_input_next_to_the_field_keeping_what_was_typed(client, api):
    case = api.event("med_comm", api.report("gw1").json, "claim").json
    web_login(client, "med_comm")
    form = f"/cases/{case['id']}/act/resolve"
    assert client.get(form, headers=HTML).status_code == 200
    answer = act(
        client,
        case,
        "resolve",
        page=form,
        outcome="达成协议",
        **{
            "agreement.form": "written",
            "agreement.terms": "赔偿八百元",
            "agreement.performance_deadline": "2020-01-01",
        },
    )
    assert answer.status_code == 422
    assert field_error(answer.text, "agreement.performance_deadline").startswith("履行期限须晚于签订日")
    assert "有问题需要处理" in answer.text and 'href="#agreement.performance_deadline"' in answer.text
    assert "赔偿八百元" in answer.text and 'value="达成协议"' not in answer.text  # textarea keeps it inside
    assert ">达成协议</textarea>" in answer.text
    assert fresh(api, "med_comm", case)["state"] == "handling"  # nothing stored
    english = post_form(
        client,
        f"/cases/{case['id']}/events?lang=en",
        {"event": "escalate", "version": case["version"], "reason": "  "},
        page=f"/cases/{case['id']}/act/escalate?lang=en",
    )
    assert field_error(english.text, "reason") == "Reason is required for escalate"


def test_an_action_that_is_not_possible_now_says_so(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    refused = client.get(f"/cases/{case['id']}/act/resolve", headers=HTML)  # not claimed yet
    assert refused.status_code == 409 and "现在不能进行此操作" in refused.text
    assert client.get(f"/cases/{case['id']}/act/claim", headers=HTML).status_code == 404  # needs no form
    assert client.get(f"/cases/{case['id']}/act/fly", headers=HTML).status_code == 404


def test_a_stale_version_shows_the_fresh_case_with_a_notice(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm")
    moved = api.event("med_comm2", case, "claim").json
    api.event("med_comm2", moved, "release")
    answer = act(client, case, "escalate", page=f"/cases/{case['id']}/act/escalate", reason="需要街道协调")
    assert answer.status_code == 409 and "已被他人更改" in answer.text
    assert ">需要街道协调</textarea>" in answer.text
    assert f'name="version" value="{fresh(api, "med_comm", case)["version"]}"' in answer.text


def test_cases_outside_the_area_do_not_exist_for_the_pages(client, api):
    case = api.report("gw1").json
    web_login(client, "med_comm_east")
    for url in (f"/cases/{case['id']}", f"/cases/{case['id']}/timeline", f"/cases/{case['id']}/act/escalate"):
        assert client.get(url, headers=HTML).status_code == 404, url
    assert act(client, case, "claim", page="/start").status_code == 404
    assert client.get("/cases/99999999999", headers=HTML).status_code == 404


def test_personal_data_on_the_case_file_is_masked_for_those_not_responsible(client, api):
    case = api.report("gw1").json
    web_login(client, "sup_city")  # sees the case (his area), is not responsible for it now
    page = client.get(f"/cases/{case['id']}", headers=HTML).text
    assert "13800001111" not in page and "138******11" in page and "只向当前负责" not in page
    assert "电话和身份证号码仅向当前负责此案件的人员完整显示" in page


def resolved_with(api, form: str):
    case = api.event("med_comm", api.report("gw1").json, "claim").json
    agreement = {"form": form, "terms": "李四赔偿维修费八百元"}
    if form == "written":
        agreement["performance_deadline"] = IN_A_MONTH
    return api.event("med_comm", case, "resolve", outcome="达成协议", agreement=agreement).json


def test_the_agreement_document_is_for_written_agreements_and_shows_what_the_viewer_may_see(client, api):
    written, oral = resolved_with(api, "written"), resolved_with(api, "oral")
    web_login(client, "med_comm")
    document = client.get(f"/cases/{written['id']}/agreement", headers=HTML)
    assert document.status_code == 200
    for expected in ("人民调解协议书", written["number"], "幸福社区人民调解委员会", "11010519491231002X", "30 日内"):
        assert expected in document.text, expected
    assert 'href="/static/css/document.css"' in document.text
    assert client.get(f"/cases/{oral['id']}/agreement", headers=HTML).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/start").text)})
    web_login(client, "sup_city")
    masked = client.get(f"/cases/{written['id']}/agreement", headers=HTML).text
    assert "11010519491231002X" not in masked and "110105**********2X" in masked


def test_the_timeline_page_says_when_the_chain_does_not_verify(client, api, db):
    case = api.event("med_comm", api.report("gw1").json, "escalate", reason="需要街道协调").json
    web_login(client, "sup_street")
    page = client.get(f"/cases/{case['id']}/timeline", headers=HTML).text
    assert "哈希链校验通过" in page and ">社区</text>" in page and ">街道</text>" in page
    with db.session() as s:
        s.execute(text("UPDATE case_event SET reason = '改过的理由' WHERE event = 'escalate'"))
    broken = client.get(f"/cases/{case['id']}/timeline", headers=HTML).text
    assert "哈希链校验未通过" in broken and "在第 3 个事件处断开" in broken


def test_a_tile_server_when_configured_is_the_only_other_origin_maps_may_load_from(runner, tmp_path, db_url):
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "MAP_TILE_URL": "https://tiles.example.gov.cn/{z}/{x}/{y}.png",
        }
    )
    client = app.test_client()
    setup_city(app.test_cli_runner(), tmp_path, app.extensions["gridflow.db"])
    case = Api(app.test_client(), {}).report("gw1").json
    web_login(client, "med_comm")
    page = client.get(f"/cases/{case['id']}", headers=HTML)
    assert "img-src 'self' data: blob: https://tiles.example.gov.cn" in page.headers["Content-Security-Policy"]
    assert 'data-tile-url="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in page.text
    app.extensions["gridflow.db"].dispose()


def test_a_tile_url_without_its_placeholders_stops_the_start(tmp_path):
    from gridflow.settings import SettingsError, load

    with pytest.raises(SettingsError, match="MAP_TILE_URL"):
        load(environ={"GRIDFLOW_MAP_TILE_URL": "https://tiles.example.gov.cn/tile.png"}, overrides={"TESTING": True})


def test_every_action_that_asks_for_input_has_its_form_with_the_apis_field_names(client, api):
    handling = api.event("med_comm", api.report("gw1").json, "claim").json
    incident = api.event(
        "med_comm",
        api.report("gw1", kind="incident", category="G02", risk=None, parties=None, description="井盖缺失").json,
        "claim",
    ).json
    resolved = resolved_with(api, "written")
    closed = api.event("gw1", resolved, "verify").json
    reported = api.report("med_comm", description="群众来电").json  # waits for the grid's worker
    forms = {
        ("med_comm", handling["id"], "record"): ["session.held_at", "session.place", "session.summary"],
        ("med_comm", handling["id"], "resolve"): ["outcome", "agreement.form", "agreement.terms"],
        ("med_comm", incident["id"], "resolve"): ["outcome"],
        ("med_comm", handling["id"], "escalate"): ["reason"],
        ("med_comm", handling["id"], "refer"): ["referral.to", "referral.body", "referral.routes"],
        ("sup_comm", handling["id"], "extend"): ["reason", "extend_by"],
        ("med_comm", closed["id"], "follow_up"): ["visit.notes", "visit.performed"],
        ("gw1", reported["id"], "reject"): ["reason"],
        ("gw1", reported["id"], "merge"): ["into"],
    }
    for (user, case_id, event), fields in forms.items():
        web_login(client, user)
        page = client.get(f"/cases/{case_id}/act/{event}", headers=HTML)
        assert page.status_code == 200, (user, event)
        for field in fields:
            assert f'name="{field}"' in page.text, (event, field)
        if (case_id, event) == (incident["id"], "resolve"):
            assert 'name="agreement.terms"' not in page.text  # incidents are settled without an agreement
        client.post("/logout", data={"csrf_token": csrf_token(page.text)})
