"""Merging a duplicate into the older case of the same grid (issue 13 "Merging"), on both back
ends: parties and attachments carry over, both timelines record it, links both ways."""

from __future__ import annotations

import pytest

from tests import fixtures as fx
from tests.cases_helpers import WEST_NW, Api, setup_city
from tests.media_helpers import photo, upload

WEST_NE = {"lon": fx.X0 + 0.1, "lat": fx.Y0 + 0.1}  # in 410902001001002, gw1's other grid


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def test_the_grids_worker_merges_an_open_duplicate_with_its_parties_and_photos(api):
    older = api.report(parties=[{"name": "张三", "role": "applicant", "phone": "13800001111"}]).json
    newer = api.report(
        parties=[
            {"name": "张三", "role": "applicant", "phone": "13800001111"},
            {"name": "王五", "role": "third_party"},
        ]
    ).json
    assert newer["state"] == "open" and "merge" in newer["allowed_events"]
    photos = upload(api, "gw1", newer["id"], [("a.jpg", photo(lon=WEST_NW["lon"], lat=WEST_NW["lat"]))]).json
    merged = api.event("gw1", newer, "merge", into=older["id"])
    assert merged.status_code == 200, merged.json
    assert merged.json["state"] == "merged" and merged.json["merged_into"] == older["id"]
    target = api.get("gw1", f"/api/v1/cases/{older['id']}").json
    assert target["merged_from"] == [newer["id"]] and target["version"] == older["version"]
    assert [p["name"] for p in target["parties"]] == ["张三", "王五"]  # the one it had is not doubled
    carried = api.get("gw1", f"/api/v1/cases/{older['id']}/attachments").json["items"]
    assert [(a["sha256"], a["merged_from"]) for a in carried] == [(photos["items"][0]["sha256"], newer["id"])]
    assert carried[0]["distance_m"] == 0.0
    assert api.get("gw1", carried[0]["url"]).status_code == 200
    old_timeline = api.get("gw1", f"/api/v1/cases/{older['id']}/timeline").json
    merge_in = old_timeline["events"][-1]
    assert merge_in["event"] == "merge_in" and merge_in["data"]["from"] == newer["id"]
    assert merge_in["data"]["parties"] == 1 and merge_in["data"]["files"] == [carried[0]["sha256"]]
    new_timeline = api.get("gw1", f"/api/v1/cases/{newer['id']}/timeline").json
    merge = new_timeline["events"][-1]
    assert merge["event"] == "merge" and merge["data"]["into"] == older["id"]
    assert merge["data"]["carried"] == {"parties": 1, "files": [carried[0]["sha256"]]}
    assert old_timeline["chain_valid"] and new_timeline["chain_valid"]


@pytest.mark.parametrize(
    "setup,words",
    [
        ("newer", "older case"),  # the duplicate is the later report
        ("other_grid", "same grid"),
        ("closed", "still open"),
    ],
)
def test_a_merge_goes_into_an_older_open_case_of_the_same_grid(api, setup, words):
    older = api.report(location=WEST_NE if setup == "other_grid" else WEST_NW).json  # both grids are gw1's
    newer = api.report().json
    dup, target = (older, newer) if setup == "newer" else (newer, older)
    if setup == "closed":
        claimed = api.event("med_comm", target, "claim").json
        api.event("med_comm", claimed, "refer", referral={"to": "court", "routes": "向法院起诉"})
    r = api.event("gw1", dup, "merge", into=target["id"])
    assert r.status_code == 422 and r.json["error"]["field"] == "into" and words in r.json["error"]["message"]


def test_a_claimed_duplicate_cannot_be_merged(api):
    older = api.report().json
    newer = api.event("med_comm", api.report().json, "claim").json
    r = api.event("gw1", newer, "merge", into=older["id"])
    assert r.status_code == 409 and "merge" not in r.json["error"]["allowed_events"]


def test_only_the_grids_own_worker_merges(api):
    older = api.report().json
    newer = api.report().json
    assert api.event("gw2", newer, "merge", into=older["id"]).status_code == 404  # not his area
    assert api.event("med_comm", newer, "merge", into=older["id"]).status_code == 403
