"""Administering people through the API (admins only): users, workers, grid ownership — the services
the command line and the admin pages share, each change in the audit log."""

from __future__ import annotations

import pytest

from tests.cases_helpers import Api, setup_city

NEW = {"username": "li.si", "role": "mediator", "password": "li-si-password", "division": "410902001"}


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def admin(api, method, url, body=None):
    return api.client.open(url, method=method, json=body, headers=api.headers("admin"))


def audited(api, kind) -> list[dict]:
    return admin(api, "GET", f"/api/v1/audit?kind={kind}").json["items"]


def test_an_administrator_creates_a_user_who_can_log_in_and_the_creation_is_audited(api):
    made = admin(api, "POST", "/api/v1/users", NEW | {"email": "li@example.cn", "phone": "0393-1234567"})
    assert made.status_code == 201, made.json
    assert made.json | {"id": 0} == {
        "id": 0,
        "username": "li.si",
        "name": "li.si",
        "role": "mediator",
        "active": True,
        "division": {"code": "410902001", "name": "中原路街道"},
        "worker": None,
        "grids": [],
        "email": "li@example.cn",
        "phone": "0393-1234567",
    }
    assert "password" not in made.text and "hash" not in made.text
    assert (
        api.client.post("/api/v1/auth/token", json={"username": "li.si", "password": NEW["password"]}).status_code
        == 200
    )
    [entry] = audited(api, "user.create")
    assert entry["actor"] == "admin" and entry["subject"] == "user:li.si"
    assert entry["data"] == {"role": "mediator", "division": "410902001", "worker": None, "grids": []}
    assert entry["client"] == "127.0.0.1"


def test_a_name_that_exists_is_refused_and_nothing_about_the_user_changes(api):
    taken = admin(api, "POST", "/api/v1/users", NEW | {"username": "med_comm"})
    assert taken.status_code == 409 and taken.json["error"]["field"] == "username"
    assert (
        api.client.post("/api/v1/auth/token", json={"username": "med_comm", "password": NEW["password"]}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"password": "short"}, "password"),
        ({"password": "LI.SI"}, "password"),
        ({"role": "mediator", "division": None}, "division"),
        ({"division": "999999"}, "division"),
        ({"grids": ["410902001001001"]}, "grids"),
        ({"username": "has space"}, "username"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"role": "boss"}, "role"),
    ],
)
def test_a_user_that_cannot_be_is_refused_naming_the_field(api, change, field):
    refused = admin(api, "POST", "/api/v1/users", NEW | change)
    assert refused.status_code in (404, 422) and refused.json["error"]["field"] == field, refused.json
    assert admin(api, "GET", "/api/v1/users?q=li.si").json["total"] == 0


def test_a_grid_worker_for_grids_without_an_imported_worker_gets_a_worker_record(api):
    admin(api, "PUT", "/api/v1/grids/410922100201002/worker", {"staff_no": None})  # now nobody's
    made = admin(
        api, "POST", "/api/v1/users", NEW | {"role": "grid_worker", "division": None, "grids": ["410922100201002"]}
    )
    assert made.status_code == 201, made.json
    assert made.json["worker"] == {"staff_no": "li.si", "name": "li.si"}
    assert [g["code"] for g in made.json["grids"]] == ["410922100201002"]


def test_with_a_staff_number_the_account_stands_for_the_imported_worker_and_keeps_his_grids(api):
    made = admin(api, "POST", "/api/v1/users", NEW | {"role": "grid_worker", "division": None, "staff_no": "W201001"})
    assert made.status_code == 201, made.json
    assert made.json["worker"] == {"staff_no": "W201001", "name": "网格员001"} and made.json["name"] == "网格员001"
    # In the fixture city gw3's account owns 201001 (he replaced the imported worker): nothing moved.
    workers = admin(api, "GET", "/api/v1/workers?q=W201001").json["items"]
    assert workers[0]["account"]["username"] == "li.si"
    again = admin(
        api,
        "POST",
        "/api/v1/users",
        NEW | {"username": "wang", "role": "grid_worker", "division": None, "staff_no": "W201001"},
    )
    assert again.status_code == 409 and again.json["error"]["field"] == "staff_no"  # one account per worker
    unknown = admin(
        api,
        "POST",
        "/api/v1/users",
        NEW | {"username": "zhao", "role": "grid_worker", "division": None, "staff_no": "X1"},
    )
    assert unknown.status_code == 404 and unknown.json["error"]["field"] == "staff_no"


def test_users_are_listed_by_role_area_and_name_with_paging(api):
    mediators = admin(api, "GET", "/api/v1/users?role=mediator&per_page=100").json
    assert {u["username"] for u in mediators["items"]} == {
        "med_comm",
        "med_comm2",
        "med_comm_east",
        "med_street",
        "med_street2",
        "med_street_east",
        "med_county",
        "med_city",
    }
    east = admin(api, "GET", "/api/v1/users?division=410922").json
    assert {u["username"] for u in east["items"]} == {"gw3", "med_comm_east", "med_street_east"}  # gw3 by his grids
    page = admin(api, "GET", "/api/v1/users?per_page=2&page=2").json
    assert page["total"] == 15 and [u["username"] for u in page["items"]] == ["gw2", "gw3"]
    assert admin(api, "GET", "/api/v1/users?division=999999").status_code == 404


def test_a_user_is_changed_and_the_change_is_audited_with_old_and_new_values(api):
    uid = admin(api, "GET", "/api/v1/users?q=med_comm2").json["items"][0]["id"]
    changed = admin(
        api, "PATCH", f"/api/v1/users/{uid}", {"role": "supervisor", "division": "410902001", "email": "x@y.cn"}
    )
    assert changed.status_code == 200 and changed.json["role"] == "supervisor"
    [entry] = audited(api, "user.update")
    assert entry["data"] == {
        "role": {"old": "mediator", "new": "supervisor"},
        "division": {"old": "410902001001", "new": "410902001"},
        "email": {"old": None, "new": "x@y.cn"},
    }
    cleared = admin(api, "PATCH", f"/api/v1/users/{uid}", {"email": None})
    assert cleared.json["email"] is None
    refused = admin(api, "PATCH", f"/api/v1/users/{uid}", {"division": None})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "division"  # a supervisor needs one
    assert admin(api, "GET", f"/api/v1/users/{uid}").json["division"]["code"] == "410902001"


def test_disabling_refuses_logging_in_and_enabling_allows_it_again_both_audited(api):
    from tests.cases_helpers import PASSWORD

    uid = admin(api, "GET", "/api/v1/users?q=gw2").json["items"][0]["id"]
    assert admin(api, "POST", f"/api/v1/users/{uid}/disable").json["active"] is False
    assert api.client.post("/api/v1/auth/token", json={"username": "gw2", "password": PASSWORD}).status_code == 401
    assert admin(api, "GET", "/api/v1/users?active=false").json["items"][0]["username"] == "gw2"
    assert admin(api, "POST", f"/api/v1/users/{uid}/enable").json["active"] is True
    assert api.client.post("/api/v1/auth/token", json={"username": "gw2", "password": PASSWORD}).status_code == 200
    assert [e["kind"] for e in audited(api, "user")] == ["user.enable", "user.disable"]


def test_an_administrator_cannot_lock_himself_out(api):
    me = admin(api, "GET", "/api/v1/users?q=admin").json["items"][0]["id"]
    assert admin(api, "POST", f"/api/v1/users/{me}/disable").status_code == 403
    assert admin(api, "PATCH", f"/api/v1/users/{me}", {"role": "mediator", "division": "410900"}).status_code == 403
    assert admin(api, "GET", "/api/v1/queue").status_code == 200  # still an administrator, still logged in


def test_a_password_reset_must_meet_the_rule_and_is_audited_without_the_password(api):
    uid = admin(api, "GET", "/api/v1/users?q=gw1").json["items"][0]["id"]
    weak = admin(api, "POST", f"/api/v1/users/{uid}/password", {"password": "gw1"})
    assert weak.status_code == 422 and weak.json["error"]["field"] == "password"
    assert admin(api, "POST", f"/api/v1/users/{uid}/password", {"password": "brand new password"}).status_code == 200
    assert (
        api.client.post("/api/v1/auth/token", json={"username": "gw1", "password": "brand new password"}).status_code
        == 200
    )
    [entry] = audited(api, "user.password")
    assert entry["subject"] == "user:gw1" and "brand new" not in str(entry)


def test_workers_are_created_listed_and_handed_grids(api):
    made = admin(api, "POST", "/api/v1/workers", {"staff_no": "W999", "name": "新网格员", "phone": "13912345678"})
    assert made.status_code == 201 and made.json == {
        "staff_no": "W999",
        "name": "新网格员",
        "phone": "13912345678",
        "grids": [],
        "account": None,
    }
    assert admin(api, "POST", "/api/v1/workers", {"staff_no": "W999", "name": "又一个"}).status_code == 409
    handed = admin(api, "PUT", "/api/v1/grids/410902001001002/worker", {"staff_no": "W999"})
    assert handed.status_code == 200 and handed.json == {
        "grid": {"code": "410902001001002", "name": handed.json["grid"]["name"]},
        "worker": {"staff_no": "W999", "name": "新网格员"},
        "previous": {"staff_no": "gw1", "name": "gw1"},
    }
    listed = admin(api, "GET", "/api/v1/workers?q=W999").json["items"]
    assert [g["code"] for g in listed[0]["grids"]] == ["410902001001002"]
    assert admin(api, "GET", "/api/v1/workers?division=410922").json["total"] == 1
    [entry] = audited(api, "grid.owner")
    assert entry["subject"] == "grid:410902001001002" and entry["data"] == {"from": "gw1", "to": "W999"}
    assert admin(api, "PUT", "/api/v1/grids/410902001009999/worker", {"staff_no": "W999"}).status_code == 404
    assert admin(api, "PUT", "/api/v1/grids/410902001001002/worker", {"staff_no": "nobody"}).status_code == 404


@pytest.mark.parametrize("user", ["gw1", "med_comm", "sup_city"])
def test_only_administrators_administer(api, user):
    for method, url, body in (
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", NEW),
        ("GET", "/api/v1/users/1", None),
        ("PATCH", "/api/v1/users/1", {"email": None}),
        ("POST", "/api/v1/users/1/disable", None),
        ("POST", "/api/v1/users/1/password", {"password": "0123456789"}),
        ("GET", "/api/v1/workers", None),
        ("POST", "/api/v1/workers", {"staff_no": "X", "name": "x"}),
        ("PUT", "/api/v1/grids/410902001001001/worker", {"staff_no": None}),
        ("GET", "/api/v1/audit", None),
    ):
        answer = api.client.open(url, method=method, json=body, headers=api.headers(user))
        assert answer.status_code == 403, (method, url, answer.json)
    assert admin(api, "GET", "/api/v1/users?q=li.si").json["total"] == 0


def test_an_unknown_or_out_of_range_user_is_404(api):
    for uid in (999, 2**31, 2**63):
        assert admin(api, "GET", f"/api/v1/users/{uid}").status_code == 404
        assert admin(api, "PATCH", f"/api/v1/users/{uid}", {"email": None}).status_code == 404
