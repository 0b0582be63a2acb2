"""A fixture city with users at every level, and a small API client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from gridflow.people.users import add_user
from tests import fixtures as fx
from tests.helpers import load_fixture_city

PASSWORD = "test-password"  # meets the rule: at least 10 characters, not the user name
# username: (role, division, grids)
USERS = {
    "gw1": ("grid_worker", None, ["410902001001001", "410902001001002"]),
    "gw2": ("grid_worker", None, ["410902001001003", "410902001001004"]),
    "gw3": ("grid_worker", None, ["410922100201001", "410922100201002"]),
    "med_comm": ("mediator", "410902001001", None),
    "med_comm2": ("mediator", "410902001001", None),
    "sup_comm": ("supervisor", "410902001001", None),
    "med_comm_east": ("mediator", "410922100201", None),
    "med_street": ("mediator", "410902001", None),
    "med_street2": ("mediator", "410902001", None),
    "sup_street": ("supervisor", "410902001", None),
    "med_street_east": ("mediator", "410922100", None),
    "med_county": ("mediator", "410902", None),
    "med_city": ("mediator", "410900", None),
    "sup_city": ("supervisor", "410900", None),
    "admin": ("admin", None, None),
}
WEST_NW = {"lon": fx.X0 + 0.01, "lat": fx.Y0 + 0.1}  # in 410902001001001 (gw1)
WEST_SW = {"lon": fx.X0 + 0.01, "lat": fx.Y0 + 0.01}  # in 410902001001003 (gw2)
IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()  # a performance deadline that stays valid
EAST = {"lon": fx.X0 + 0.2, "lat": fx.Y0 + 0.12}  # in 410922100201001 (gw3)


def setup_city(runner, tmp_path, db) -> None:
    load_fixture_city(runner, tmp_path)
    with db.session() as s:
        for name, (role, division, grids) in USERS.items():
            add_user(s, name, role, division, grids, PASSWORD)


@dataclass
class Api:
    client: object
    tokens: dict

    def token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.json
            self.tokens[user] = r.json["token"]
        return self.tokens[user]

    def headers(self, user):
        return {"Authorization": f"Bearer {self.token(user)}"}

    def get(self, user, url):
        return self.client.get(url, headers=self.headers(user))

    def post(self, user, url, body=None, **kw):
        return self.client.post(url, json=body, headers=self.headers(user), **kw)

    def report(self, user="gw1", **overrides):
        body = {
            "kind": "dispute",
            "category": "D02",
            "description": "楼上漏水，邻里争执",
            "location": WEST_NW,
            "risk": "yellow",
            "parties": [
                {"name": "张三", "phone": "13800001111", "id_number": "11010519491231002X", "role": "applicant"},
                {"name": "李四", "role": "respondent"},
            ],
        }
        body.update(overrides)
        return self.post(user, "/api/v1/cases", body)

    def event(self, user, case, event, **data):
        body = {"event": event, "version": case["version"], **data}
        return self.post(user, f"/api/v1/cases/{case['id']}/events", body)
