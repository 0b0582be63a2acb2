"""The demo city: real boundaries, generated levels below, every level tiling its parent."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from geo.demo import generate
from gridflow.demo import DEMO_PASSWORD, puyang
from gridflow.models import Division, Entity, Grid
from gridflow.places import lookup as places
from tests.helpers import invoke


def test_the_small_demo_city_tiles_every_division(runner, db):
    result = invoke(runner, "demo", "--scale", "small")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        codes = list(s.scalars(select(Division.code).order_by(Division.code)))
        # 89 streets in the list; the 8 of the two statistical zones (410971, 410972) have no county boundary
        assert len([c for c in codes if len(c) == 9]) == 81
        for code in codes:
            report = places.coverage(s, code)
            assert report.valid, (code, report.gaps[:1], report.overlaps[:1], report.outside[:1])
        assert places.coverage(s, "410900", children="grids").valid
        assert places.grids_without_owner(s) == []
        assert s.scalar(select(func.count()).where(Entity.grid_id.is_(None), Entity.kind != "road")) == 0
        assert s.scalar(select(func.count()).select_from(Grid).where(Grid.kind == "dedicated")) > 0
    again = invoke(runner, "demo", "--if-empty")
    assert again.exit_code == 0 and "nothing to build" in again.output and DEMO_PASSWORD in again.output


def test_a_located_demo_point_names_all_levels(runner, db):
    invoke(runner, "demo")
    found = json.loads(invoke(runner, "locate", "115.03", "35.76", "--json").output)
    assert found["city"]["code"] == "410900" and found["county"]["code"] == "410902"
    assert all(found[k] for k in ("street", "community", "grid", "worker"))
    assert found["grid"]["code"].startswith(found["community"]["code"])


def test_demo_codes_and_sizes_follow_the_standards():
    city, counties, streets = puyang()
    demo = generate(city, counties, streets, scale="small", seed=1)
    for f in demo.divisions:
        p = f["properties"]
        assert len(p["code"]) == {"city": 6, "county": 6, "street": 9, "community": 12}[p["level"]]
        if p["level"] == "community":
            serial = int(p["code"][9:])
            assert (serial >= 200) == (int(p["parent_code"][6:]) >= 100)  # villages under towns
    per_grid: dict[str, int] = {}
    grid_of = {}
    for g in demo.grids:
        assert len(g["properties"]["code"]) == 15
    from shapely.geometry import shape

    from geo.assign import GridIndex

    index = GridIndex([g["properties"]["code"] for g in demo.grids], [shape(g["geometry"]) for g in demo.grids])
    kinds = {g["properties"]["code"]: g["properties"]["kind"] for g in demo.grids}
    residences = [
        e for e in demo.entities if e["properties"]["kind"] == "residence" and e["geometry"]["type"] == "Point"
    ]
    found = index.assign_points([shape(e["geometry"]) for e in residences])
    for e, gi in zip(residences, found):
        grid_of[e["properties"]["ref"]] = index.codes[gi]
        per_grid[index.codes[gi]] = per_grid.get(index.codes[gi], 0) + e["properties"]["households"]
    basic = [n for code, n in per_grid.items() if kinds[code] == "basic"]
    assert len(basic) > 100 and min(basic) > 100 and max(basic) <= 500


def test_demo_accounts_meet_the_password_rule_and_old_ones_get_the_new_password(runner, tmp_path, db, client):
    from gridflow.demo import OLD_DEMO_PASSWORD
    from gridflow.models import User
    from gridflow.people.passwords import check_password_rule, hash_password
    from tests.helpers import load_fixture_city

    load_fixture_city(runner, tmp_path, with_entities=False)
    first = invoke(runner, "demo-users")
    assert first.exit_code == 0 and f"password {DEMO_PASSWORD} for all" in first.output
    check_password_rule("community.mediator", DEMO_PASSWORD)
    with db.session() as s:  # as an older demo left it
        s.scalars(select(User).where(User.username == "admin")).one().password_hash = hash_password(OLD_DEMO_PASSWORD)
    assert invoke(runner, "demo-users").exit_code == 0
    for name in ("admin", "grid", "county.mediator"):
        login = client.post("/api/v1/auth/token", json={"username": name, "password": DEMO_PASSWORD})
        assert login.status_code == 200, name
