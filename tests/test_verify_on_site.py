"""Verification on site (issue 13), on both back ends: the worker's position and its distance from
the case recorded; per category, a verify without a photo or a position refused with 422."""

from __future__ import annotations

import pytest

from tests.cases_helpers import WEST_NW, Api, setup_city
from tests.media_helpers import photo, upload


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def resolved(api):
    case = api.report().json
    case = api.event("med_comm", case, "claim").json
    return api.event("med_comm", case, "resolve", outcome="调解成功", agreement={"form": "oral", "terms": "和解"}).json


@pytest.fixture
def proof_required(api):
    """D02 verified on site from its next version on (cases reported after this take it)."""
    changed = api.post("admin", "/api/v1/categories/D02/versions", {"photo_required_on_verification": True})
    assert changed.status_code in (200, 201), changed.json


def test_the_position_on_verify_is_recorded_with_its_distance_from_the_case(api):
    case = resolved(api)
    here = {"lon": WEST_NW["lon"], "lat": WEST_NW["lat"] + 0.0009, "accuracy_m": 8}
    closed = api.event("gw1", case, "verify", position=here)
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    verify = api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json["events"][-1]
    assert verify["data"]["position"] == here
    assert 95 < verify["data"]["distance_m"] < 105  # 0.0009° of latitude is about 100 m


def test_a_position_is_taken_by_rework_and_follow_up_but_not_by_claim(api):
    case = resolved(api)
    here = {"lon": WEST_NW["lon"], "lat": WEST_NW["lat"]}
    assert api.event("gw1", case, "rework", reason="没修好", position=here).status_code == 200
    other = api.report().json
    refused = api.event("med_comm", other, "claim", position=here)
    assert refused.status_code == 422 and refused.json["error"]["field"] == "position"


def test_by_default_verification_needs_neither_photo_nor_position(api):
    assert api.event("gw1", resolved(api), "verify").status_code == 200


def test_a_category_verified_on_site_needs_a_photo_and_the_position(api, proof_required):
    case = resolved(api)
    here = {"lon": WEST_NW["lon"], "lat": WEST_NW["lat"], "accuracy_m": 5}
    no_position = api.event("gw1", case, "verify")
    assert no_position.status_code == 422 and no_position.json["error"]["field"] == "position"
    no_photo = api.event("gw1", case, "verify", position=here)
    assert no_photo.status_code == 422 and no_photo.json["error"]["field"] == "attachments"
    assert "stage=verification" in no_photo.json["error"]["message"]
    assert upload(api, "gw1", case["id"], [("p.jpg", photo())], stage="verification").status_code == 201
    closed = api.event("gw1", case, "verify", position=here)
    assert closed.status_code == 200 and closed.json["state"] == "closed"


def test_a_photo_from_before_the_last_resolution_does_not_count(api, proof_required):
    case = resolved(api)
    here = {"lon": WEST_NW["lon"], "lat": WEST_NW["lat"]}
    upload(api, "gw1", case["id"], [("old.jpg", photo())], stage="verification")
    case = api.event("gw1", case, "rework", reason="没修好").json
    case = api.event("med_comm", case, "resolve", outcome="再次调解", agreement={"form": "oral", "terms": "和解"}).json
    again = api.event("gw1", case, "verify", position=here)
    assert again.status_code == 422 and again.json["error"]["field"] == "attachments"
