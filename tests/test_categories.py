"""Categories kept by the office: seeded, versioned, changed by admins only; a case keeps the version it
was filed under, at every level."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
import time_machine

from gridflow.audit.log import Caller
from gridflow.categories import changes
from gridflow.categories.changes import _store
from gridflow.categories.store import category_from
from gridflow.chainkeys import chain_keys
from gridflow.errors import Conflict
from gridflow.models import CategoryVersion
from gridflow.schemas.categories import CategoryChange
from gridflow.workflow.calendar import CST
from gridflow.workflow.rules import SYSTEM, Actor
from tests.cases_helpers import Api, setup_city
from tests.helpers import invoke

G01_V2 = {
    "based_on": 1,
    "limits": {"community": {"amount": 3, "unit": "working_days"}, "street": {"amount": 10, "unit": "working_days"}},
    "note": "区里要求放宽",
}
NEW = {
    "code": "G06",
    "name": "占道经营",
    "name_en": "street vending",
    "kind": "incident",
    "duty": "general",
    "limits": {
        lvl: {"amount": a, "unit": "working_hours"}
        for lvl, a in zip(("community", "street", "county", "city"), (4, 8, 16, 16))
    },
}


@pytest.fixture
def admin(app) -> Caller:
    """An operator at the command line, as the category services take him."""
    return Caller(Actor(None, "console:test", SYSTEM), chain_keys(app.config))


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def china(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=CST)


def report_g01(api, when: str) -> dict:
    with time_machine.travel(china(when), tick=False):
        r = api.report("gw1", kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[])
    assert r.status_code == 201, r.json
    return r.json


def case_of(api, case: dict) -> dict:
    return api.get("admin", f"/api/v1/cases/{case['id']}").json


# -- what a fresh database holds ---------------------------------------------------------------------
def test_the_migration_seeds_the_thirty_categories_as_version_one_with_the_default_settings(client):
    items = client.get("/api/v1/categories").json["items"]
    assert len(items) == 30 and {c["version"] for c in items} == {1}
    assert len([c for c in items if c["kind"] == "dispute"]) == 15
    assert {c["duty"] for c in items} == {"general", "stability", "mediation", "safety", "order"}
    for c in items:
        assert set(c["limits"]) == {"community", "street", "county", "city"}
        assert c["filing_limit"] == {"amount": 4, "unit": "working_hours"}
        assert c["verification_limit"] == {"amount": 3, "unit": "working_days"}
        assert c["photo_required_on_verification"] is False and c["active"] is True
    g02 = next(c for c in items if c["code"] == "G02")
    assert g02["name"] == "井盖缺失" and g02["limits"]["community"] == {"amount": 2, "unit": "emergency_hours"}


# -- versions -----------------------------------------------------------------------------------------
def test_a_case_keeps_the_limits_of_the_version_it_was_filed_under_also_when_it_is_escalated(api, runner):
    old = report_g01(api, "2026-11-20T16:00")  # Friday: 1 working day → Monday's close
    assert old["category_version"] == 1 and old["deadline"] == "2026-11-23T17:30:00+08:00"
    r = api.post("admin", "/api/v1/categories/G01/versions", G01_V2)
    assert r.status_code == 201, r.json
    assert r.json["version"] == 2 and r.json["limits"]["street"] == {"amount": 10, "unit": "working_days"}
    assert r.json["limits"]["county"] == {"amount": 3, "unit": "working_days"}  # not given: as it was
    assert r.json["changed_by"] == "admin" and r.json["note"] == "区里要求放宽"

    assert case_of(api, old)["deadline"] == "2026-11-23T17:30:00+08:00"  # deadlines set stay
    new = report_g01(api, "2026-11-20T16:00")
    assert new["category_version"] == 2 and new["deadline"] == "2026-11-25T17:30:00+08:00"  # v2: 3 working days

    result = invoke(runner, "sweep", "--now", "2026-11-23T17:31")
    assert "1 escalated" in result.output, result.output
    escalated = case_of(api, old)
    # v1's street limit (2 working days from Monday evening), not v2's 10
    assert escalated["level"] == "street" and escalated["category_version"] == 1
    assert escalated["deadline"] == "2026-11-25T17:30:00+08:00"


def test_an_extension_is_capped_by_the_cases_own_version(api):
    case = api.report("gw1").json  # D02, v1: 5 working days at community level
    api.post(
        "admin", "/api/v1/categories/D02/versions", {"limits": {"community": {"amount": 20, "unit": "working_days"}}}
    )
    case = api.event("med_comm", case, "claim").json
    too_long = api.event("sup_comm", case, "extend", reason="当事人住院", extend_by=6)
    assert (
        too_long.status_code == 422
        and "at most the level's own limit: 5 working_days" in too_long.json["error"]["message"]
    )
    assert api.event("sup_comm", case, "extend", reason="当事人住院", extend_by=5).status_code == 200


def test_a_version_names_who_changed_what_and_the_history_keeps_every_version(api):
    api.post("admin", "/api/v1/categories/G01/versions", G01_V2)
    api.post("admin", "/api/v1/categories/G01/versions", {"photo_required_on_verification": True})
    history = api.get("med_comm", "/api/v1/categories/G01/versions").json
    assert history["current"] == 3 and [v["version"] for v in history["items"]] == [1, 2, 3]
    assert history["items"][0]["limits"]["community"]["amount"] == 1
    assert (
        history["items"][2]["photo_required_on_verification"]
        and history["items"][2]["limits"]["street"]["amount"] == 10
    )
    one = api.get("med_comm", "/api/v1/categories/G01/versions/1").json
    assert one["version"] == 1 and one["changed_by"] == "migration 0012"
    assert api.get("med_comm", "/api/v1/categories/G01/versions/9").status_code == 404
    assert api.get("med_comm", "/api/v1/categories/ZZ9/versions").status_code == 404
    assert api.get("med_comm", "/api/v1/categories/g%0001/versions").status_code == 404


def test_two_changes_from_the_same_version_cannot_both_be_stored(api, db, admin):
    first = changes.change_category(db, admin, "G01", CategoryChange(based_on=1, name="暴露垃圾（含建筑垃圾）"))
    assert first.version == 2
    stale = api.post("admin", "/api/v1/categories/G01/versions", {"based_on": 1, "name_en": "rubbish"})
    assert stale.status_code == 409 and stale.json["error"]["current_version"] == 2


def test_the_key_refuses_a_second_version_with_the_same_number(db, admin):
    """Two admins who read version 1 at the same moment both make "version 2": the second is refused."""
    changes.change_category(db, admin, "G01", CategoryChange(name_en="rubbish"))
    with db.session() as s:
        version_one = category_from(s.get(CategoryVersion, ("G01", 1)))
    with pytest.raises(Conflict, match="changed meanwhile"):
        _store(db, admin, replace(version_one, version=2), None, "category.change", "changed meanwhile")


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"kind": "dispute"}, 422, "kind"),
        ({"name": "暴露垃圾"}, 422, "body"),  # nothing changes
        ({"limits": {"street": {"amount": 0, "unit": "working_days"}}}, 422, "limits.street.amount"),
        ({"limits": {"street": {"amount": 300, "unit": "working_days"}}}, 422, "limits.street.amount"),
        ({"limits": {"street": {"amount": 3, "unit": "fortnights"}}}, 422, "limits.street.unit"),
        ({"filing_limit": {"amount": 4}}, 422, "filing_limit.unit"),
        ({"duty": "cooking"}, 422, "duty"),
        ({"code": "G09"}, 422, "code"),
        ({"based_on": 7}, 409, "based_on"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_stored(api, body, status, field):
    r = api.post("admin", "/api/v1/categories/G01/versions", body)
    assert r.status_code == status, r.json
    assert r.json["error"]["field"] == field
    assert api.get("admin", "/api/v1/categories/G01/versions").json["current"] == 1


# -- adding, taking out of use -----------------------------------------------------------------------
def test_an_admin_adds_a_category_and_reports_use_it_at_once(api):
    r = api.post("admin", "/api/v1/categories", NEW)
    assert r.status_code == 201, r.json
    assert r.json["version"] == 1 and r.json["filing_limit"] == {"amount": 4, "unit": "working_hours"}
    assert api.post("admin", "/api/v1/categories", NEW).status_code == 409  # the code is taken
    case = api.report("gw1", kind="incident", category="G06", description="占道", risk=None, parties=[])
    assert case.status_code == 201 and case.json["category_name"] == "占道经营"
    wrong_kind = api.report("gw1", kind="dispute", category="G06")
    assert wrong_kind.status_code == 422 and wrong_kind.json["error"]["field"] == "category"


def test_a_category_out_of_use_takes_no_reports_but_its_cases_go_on(api):
    case = api.report("gw1", kind="incident", category="G01", description="垃圾", risk=None, parties=[]).json
    r = api.post("admin", "/api/v1/categories/G01/disable", {"note": "并入G03"})
    assert r.status_code == 201 and r.json["active"] is False and r.json["version"] == 2
    assert api.post("admin", "/api/v1/categories/G01/disable", {}).status_code == 409
    refused = api.report("gw1", kind="incident", category="G01", description="垃圾", risk=None, parties=[])
    assert refused.status_code == 422 and "no longer in use" in refused.json["error"]["message"]
    codes = [c["code"] for c in api.client.get("/api/v1/categories").json["items"]]
    assert "G01" not in codes and len(codes) == 29
    every = api.client.get("/api/v1/categories?include_disabled=true").json["items"]
    assert next(c for c in every if c["code"] == "G01")["active"] is False
    claimed = api.event("med_comm", case, "claim")
    assert claimed.status_code == 200 and claimed.json["category_name"] == "暴露垃圾"
    assert api.get("admin", "/api/v1/cases?category=G01").json["total"] == 1
    back = api.post("admin", "/api/v1/categories/G01/enable", {})
    assert back.status_code == 201 and back.json["active"] and back.json["version"] == 3


def test_unknown_categories_are_named_in_reports_and_searches(api):
    r = api.report("gw1", category="Z99")
    assert r.status_code == 422 and r.json["error"]["field"] == "category"
    assert api.get("admin", "/api/v1/cases?category=Z99").status_code == 422
    assert api.get("admin", "/api/v1/cases?category=d02").status_code == 422


# -- who may change them -------------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["gw1", "med_comm", "sup_city"])
def test_only_admins_change_categories(api, user):
    for url, body in (
        ("/api/v1/categories", NEW),
        ("/api/v1/categories/G01/versions", G01_V2),
        ("/api/v1/categories/G01/disable", {}),
        ("/api/v1/categories/G01/enable", {}),
    ):
        r = api.post(user, url, body)
        assert r.status_code == 403, (url, r.json)
        assert api.client.post(url, json=body).status_code == 401
    assert api.get("admin", "/api/v1/categories/G01/versions").json["current"] == 1
    assert len(api.client.get("/api/v1/categories").json["items"]) == 30


# -- the console ---------------------------------------------------------------------------------------
def test_the_console_lists_shows_adds_changes_and_disables(api, runner):
    listed = invoke(runner, "category", "list")
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 30
    assert (
        "G02      v1   incident general    2/4/8/8 emergency_hours  井盖缺失 (missing manhole cover)" in listed.output
    )

    changed = invoke(
        runner,
        "category",
        "set",
        "G02",
        "--limits",
        "1,2,4,4",
        "--verification",
        "1",
        "--photo-required",
        "--note",
        "汛期",
    )
    assert changed.exit_code == 0, changed.output
    assert "version 2" in changed.output and "community 1 emergency_hours" in changed.output
    assert (
        "verification limit: 1 working_days" in changed.output
        and "photo required on verification: yes" in changed.output
    )
    assert "by cli:" in changed.output and ": 汛期" in changed.output

    unit = invoke(runner, "category", "set", "G02", "--unit", "working_hours")
    assert unit.exit_code == 0 and "community 1 working_hours, street 2 working_hours" in unit.output

    shown = invoke(runner, "category", "show", "G02", "--version", "1")
    assert shown.exit_code == 0 and "version 1" in shown.output and "community 2 emergency_hours" in shown.output
    history = invoke(runner, "category", "show", "G02", "--history")
    assert [ln.split(", version ")[1].split(",")[0] for ln in history.output.splitlines() if ", version " in ln] == [
        "1",
        "2",
        "3",
    ]

    added = invoke(runner, "category", "add", "G06", "--name", "占道经营", "--name-en", "street vending", "--kind", "incident",
                   "--duty", "general", "--limits", "4,8,16,16", "--unit", "working_hours", "--filing", "2")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "filing limit: 2 working_hours" in added.output and "verification limit: 3 working_days" in added.output
    disabled = invoke(runner, "category", "disable", "G06", "--note", "试点结束")
    assert disabled.exit_code == 0 and "out of use" in disabled.output
    assert "G06" not in invoke(runner, "category", "list").output
    assert "[out of use]" in invoke(runner, "category", "list", "--all").output


@pytest.mark.parametrize(
    "args,message",
    [
        (["set", "G02", "--limits", "1,2,4"], "--limits takes 4 amounts"),
        (["set", "G02", "--limits", "1,2,x,4"], "amounts are numbers"),
        (["set", "G02", "--limits", "0,2,4,4"], "limits.community.amount"),
        (["set", "G02", "--name", "井盖缺失"], "nothing changes"),
        (["set", "ZZ1", "--name", "x"], "no category 'ZZ1'"),
        (["set", "G02", "--based-on", "5", "--name", "x"], "not 5: reload it"),
        (
            [
                "add",
                "G02",
                "--name",
                "x",
                "--name-en",
                "x",
                "--kind",
                "incident",
                "--duty",
                "general",
                "--limits",
                "1,1,1,1",
                "--unit",
                "working_days",
            ],
            "G02 exists",
        ),  # fmt: skip
        (["add", "G07", "--name", "x", "--name-en", "x", "--kind", "incident", "--duty", "general"], "needs --limits"),
        (["disable", "ZZ1"], "no category"),
        (["enable", "G02"], "in use already"),
        (["show", "G02", "--version", "4"], "has no version 4"),
    ],
)
def test_the_console_names_what_is_wrong_and_changes_nothing(api, runner, args, message):
    result = runner.invoke(args=["gridflow", "category", *args])
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert api.get("admin", "/api/v1/categories/G02/versions").json["current"] == 1


def test_a_change_is_written_to_the_audit_log(api):
    api.post("admin", "/api/v1/categories/G01/versions", G01_V2)
    (entry,) = api.get("admin", "/api/v1/audit?kind=category").json["items"]
    assert (entry["kind"], entry["subject"], entry["actor"]) == ("category.change", "G01 v2", "admin")
    assert entry["data"]["note"] == "区里要求放宽" and entry["data"]["limits"]["street"]["amount"] == 10
