"""locate: the database path and geo/ give the same grid for every point, boundaries included."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.assign import UNASSIGNED, GridIndex
from gridflow.people.users import add_user
from gridflow.places import lookup as places
from tests import fixtures as fx
from tests.helpers import invoke, load_fixture_city

INDEX = GridIndex(list(fx.GRIDS), list(fx.GRIDS.values()))
STEP = fx.W / 1024  # dyadic: every lattice point below is exact in binary floating point


def expected(lon: float, lat: float) -> str | None:
    i = INDEX.assign_xy(np.array([lon]), np.array([lat]))[0]
    return None if i == UNASSIGNED else INDEX.codes[i]


def lattice(i: int, j: int) -> tuple[float, float]:
    return fx.X0 + i * STEP, fx.Y0 + j * STEP


# Points on the grid lines, the diagonal, the vertices, outside, and anywhere at all.
edge_points = st.one_of(
    st.builds(lambda j: lattice(512, j), st.integers(-8, 1032)),  # west vertical midline
    st.builds(lambda i: lattice(i, 512), st.integers(-8, 2056)),  # horizontal midline
    st.builds(lambda j: lattice(1024, j), st.integers(-8, 1032)),  # county border
    st.builds(lambda k: lattice(1024 + k, k), st.integers(0, 1024)),  # east diagonal
    st.builds(lattice, st.sampled_from([0, 512, 1024, 2048]), st.sampled_from([0, 512, 1024])),  # vertices
    st.builds(lattice, st.integers(-64, 2112), st.integers(-64, 1088)),  # anywhere on the lattice
    st.tuples(st.floats(fx.X0 - 0.01, fx.X0 + 2 * fx.W + 0.01), st.floats(fx.Y0 - 0.01, fx.Y0 + fx.W + 0.01)),
)


@pytest.fixture
def city(runner, tmp_path, db):
    load_fixture_city(runner, tmp_path, with_entities=False)
    return db


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(point=edge_points)
def test_database_and_geo_agree_on_every_point(city, point):
    lon, lat = point
    with city.lookup() as conn:
        found = places.responsible_at(conn, lon, lat)  # the query behind locate and every report
    assert (found.grid.code if found else None) == expected(lon, lat)


def test_locate_names_every_level_grid_and_worker(runner, city):
    result = invoke(runner, "locate", str(fx.X0 + 0.01), str(fx.Y0 + 0.1), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "city": {"code": "410900", "name": "濮阳市"},
        "county": {"code": "410902", "name": "华龙区"},
        "street": {"code": "410902001", "name": "中原路街道"},
        "community": {"code": "410902001001", "name": "幸福社区"},
        "grid": {"code": "410902001001001", "name": "网格001"},
        "worker": {"code": "W001001", "name": "网格员001"},
    }


def test_locate_outside_every_grid_gives_nulls(runner, city):
    result = invoke(runner, "locate", "100", "30", "--json")
    assert result.exit_code == 0
    assert set(json.loads(result.output).values()) == {None}


def test_locate_rejects_coordinates_out_of_range(runner, city):
    result = invoke(runner, "locate", "--", "200", "30")
    assert result.exit_code != 0 and "lon: input should be less than or equal to 180" in result.output


def test_locate_over_http_needs_a_login(client, city):
    where = f"/api/v1/locate?lon={fx.X0 + 0.2}&lat={fx.Y0 + 0.01}"
    assert client.get(where).status_code == 401  # no collecting workers' names and staff numbers by scanning
    with city.session() as s:
        add_user(s, "someone", "grid_worker", None, None, "a long enough password")
    token = client.post("/api/v1/auth/token", json={"username": "someone", "password": "a long enough password"})
    auth = {"Authorization": f"Bearer {token.json['token']}"}
    ok = client.get(where, headers=auth)
    assert ok.status_code == 200 and ok.json["grid"]["code"] == "410922100201002"
    assert ok.json["worker"]["code"] == "W201002"
    bad = client.get("/api/v1/locate?lon=abc&lat=1", headers=auth)
    assert bad.status_code == 422 and bad.json["error"]["field"] == "lon"
