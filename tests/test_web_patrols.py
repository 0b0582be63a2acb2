"""The desk's patrol logs (/patrols), on both back ends: the grid workers of the viewer's area who
patrolled on a day, with the day's distance, time, grids, visits and cases; nobody else's."""

from __future__ import annotations

import uuid

import pytest

from tests.cases_helpers import Api, setup_city
from tests.test_patrols_api import at, fix, started
from tests.web_helpers import HTML, web_login


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def patrolled(api) -> str:
    """gw1 walks about 222 m over 25 minutes, visits H1 and reports a case on the way; the day it
    started (China time: just after midnight it is yesterday's)."""
    patrol = started(api)
    batch = {
        "client_id": str(uuid.uuid4()),
        "positions": [fix(0, 20), fix(0.001, 15), fix(0.002, 10)],
        "visits": [{"entity": "H1", "at": at(12), "note": "走访3户"}],
    }
    assert api.post("gw1", f"/api/v1/patrols/{patrol['id']}/positions", batch).status_code == 201
    api.report("gw1")
    assert api.post("gw1", f"/api/v1/patrols/{patrol['id']}/end", {"ended_at": at(5)}).status_code == 200
    return at(30)[:10]


def test_a_supervisor_sees_the_days_patrols_of_his_area(api, client):
    day = patrolled(api)
    web_login(client, "sup_comm")
    page = client.get(f"/patrols?date={day}", headers=HTML)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "巡查日志" in html and "1 名网格员巡查" in html
    assert "0.22 km" in html  # the day's distance
    assert "0 小时 25 分" in html or "0 h 25 min" in html
    assert "走访3户" in html and "410902001001001" in html
    # English on request
    english = client.get(f"/patrols?date={day}&lang=en", headers=HTML).get_data(as_text=True)
    assert (
        "Patrol logs" in english
        and "0 h 25 min" in english
        and "1 grid worker patrolled" in english
        and "1 place visited" in english
    )


def test_nobody_outside_the_area_and_no_grid_worker_sees_them(api, client):
    day = patrolled(api)
    web_login(client, "med_comm_east")  # another county's community
    html = client.get(f"/patrols?date={day}&lang=en", headers=HTML).get_data(as_text=True)
    assert "Nobody in your area patrolled on this day." in html and "走访3户" not in html
    worker = client.application.test_client()
    web_login(worker, "gw1")
    assert worker.get("/patrols", headers=HTML).status_code == 403


def test_another_day_and_a_bad_day(api, client):
    patrolled(api)
    web_login(client, "sup_street")
    html = client.get("/patrols?date=2020-01-01&lang=en", headers=HTML).get_data(as_text=True)
    assert "Nobody in your area patrolled on this day." in html
    bad = client.get("/patrols?date=yesterday&lang=en", headers=HTML)
    assert bad.status_code in (400, 422) and "date" in bad.get_data(as_text=True)
