"""Who may call what: every route of the app (API and pages) × role (anonymous, grid worker, mediator,
supervisor, admin) × inside or outside the caller's area, where an area applies.

ROWS holds one row per route and method: what each role is answered inside its area, and (for routes
about one case) what the grid worker, mediator and supervisor are answered about a case outside it.
The test fails when a route has no row (or a row no route): a new route adds its row here.

The callers: `gw1` (owns grid 410902001001001), `med_comm` and `sup_comm` (community 410902001001),
`admin`.  "Inside": a case in gw1's grid, open at community level; "outside": a case in another
county.  API routes get a fresh bearer token per request, pages a fresh session (so that a logout or
a change in one row does not decide the next); CSRF is left to tests/test_web_account.py.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy import select

from gridflow.clock import CST
from gridflow.models import User
from gridflow.people.tokens import credential_stamp, make_token
from gridflow.people.users import add_user
from tests.cases_helpers import EAST, PASSWORD, WEST_NW, Api, setup_city
from tests.media_helpers import photo, upload

ROLES = ("anonymous", "grid_worker", "mediator", "supervisor", "admin")
CALLERS = {"grid_worker": "gw1", "mediator": "med_comm", "supervisor": "sup_comm", "admin": "admin"}
AREA_ROLES = ("grid_worker", "mediator", "supervisor")  # an administrator's area is everywhere
OPEN = (200, 200, 200, 200, 200)
LOGGED_IN = (401, 200, 200, 200, 200)
PAGE = (302, 200, 200, 200, 200)  # anonymous: to the login page
ADMINS = (401, 403, 403, 403, 200)
NOT_THERE = (404, 404, 404)
ADMIN_PAGE = (302, 403, 403, 403, 200)  # administration pages: anonymous to the login page


def admin_post(admin: int) -> tuple[int, int, int, int, int]:
    """A form of an administration page: anonymous to the login page, others 403, admins `admin`."""
    return (302, 403, 403, 403, admin)  # outside his area a case does not exist for him


Body = dict | Callable[[str, int], dict] | None


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    inside: tuple[int, int, int, int, int]  # anonymous, grid_worker, mediator, supervisor, admin
    outside: tuple[int, int, int] | None = None  # grid_worker, mediator, supervisor: a case elsewhere
    body: Body = None  # JSON (API) or form (pages); a function of (inside|outside, a serial) if it varies
    query: str = ""
    values: dict[str, str] | None = None  # path parameters of this row (else the world's)
    upload: bool = False  # the body goes as multipart/form-data, with a photo as its part `file`


def report(where: str, _n: int) -> dict:
    location = WEST_NW if where == "inside" else EAST
    return {"kind": "incident", "category": "G01", "description": "路灯不亮", "location": location}


def new_user(_where: str, n: int) -> dict:
    return {"username": f"made{n}", "role": "admin", "password": "made-password"}


def new_page_user(_where: str, n: int) -> dict:
    return {"username": f"page{n}", "role": "admin", "password": "made-password"}


def new_worker(_where: str, n: int) -> dict:
    return {"staff_no": f"M{n}", "name": "新网格员"}


LOGIN = {"username": "med_street2", "password": PASSWORD}
WRONG_OLD = {"old_password": "not the password", "new_password": "a fine new password"}
STALE_CLAIM = {"event": "claim", "version": 999}
REASON = {"reason": "核实当事人身份"}
BBOX = "114.9,35.6,115.3,35.9"  # the fixture city
CATEGORY = {"code": "G01", "version": "1"}


def new_category(_where: str, n: int) -> dict:
    levels = ("community", "street", "county", "city")
    return {
        "code": f"X{n:02d}",
        "name": "占道经营",
        "name_en": "street vending",
        "kind": "incident",
        "duty": "general",
        "limits": {lvl: {"amount": 4, "unit": "working_hours"} for lvl in levels},
    }


def positions(_where: str, n: int) -> dict:
    now = datetime.now(CST).isoformat()  # after the patrol began (to the microsecond)
    return {"client_id": str(uuid.UUID(int=n)), "positions": [WEST_NW | {"at": now}], "visits": []}


# fmt: off
ROWS = [
    # method  rule                                   anon gw   med  sup  admin   outside (gw med sup)
    Row("GET",   "/",                                 OPEN),
    Row("GET",   "/static/<filename>",                OPEN),
    Row("GET",   "/healthz",                          OPEN),
    Row("GET",   "/login",                            (200, 302, 302, 302, 302)),
    Row("POST",  "/login",                            (302, 302, 302, 302, 302), body=LOGIN),
    Row("POST",  "/logout",                           (302, 302, 302, 302, 302)),
    Row("GET",   "/start",                            PAGE),
    Row("GET",   "/m/",                               OPEN),  # the field app: its login form, or its shell
    Row("POST",  "/m/",                               (302, 302, 302, 302, 302), body=LOGIN),
    Row("POST",  "/m/logout",                         (302, 302, 302, 302, 302)),
    Row("POST",  "/m/token",                          LOGGED_IN),  # a bearer token for the page session
    Row("GET",   "/m/sw.js",                          OPEN),
    Row("GET",   "/m/manifest.webmanifest",           OPEN),
    Row("GET",   "/account/password",                 PAGE),
    Row("POST",  "/account/password",                 (302, 422, 422, 422, 422), body=WRONG_OLD),
    Row("GET",   "/notifications",                    PAGE),
    Row("GET",   "/notifications/bell",               PAGE),
    Row("POST",  "/notifications/read",               (302, 302, 302, 302, 302), body={"all": "1"}),
    Row("GET",   "/notifications/<notification_id>",  (302, 404, 404, 404, 404), values={"notification_id": "999999"}),
    Row("GET",   "/account/notifications",            PAGE),
    Row("POST",  "/account/notifications",            (302, 302, 302, 302, 302), body={"email_on": "1", "language": "zh"}),
    Row("GET",   "/api/v1/openapi.json",              OPEN),
    Row("GET",   "/api/v1/docs",                      OPEN),
    Row("POST",  "/api/v1/auth/token",                OPEN, body=LOGIN),
    Row("POST",  "/api/v1/auth/logout",               (401, 204, 204, 204, 204)),
    Row("POST",  "/api/v1/auth/password",             (401, 422, 422, 422, 422), body=WRONG_OLD),
    Row("GET",   "/api/v1/categories",                OPEN),
    Row("GET",   "/api/v1/locate",                    LOGGED_IN, query="lon=114.96&lat=35.7"),
    Row("GET",   "/api/v1/queue",                     LOGGED_IN),
    Row("GET",   "/api/v1/follow-ups",                LOGGED_IN),
    Row("GET",   "/api/v1/cases",                     LOGGED_IN),
    Row("POST",  "/api/v1/cases",                     (401, 201, 201, 201, 201), (201, 201, 201), body=report),
    Row("GET",   "/api/v1/cases/duplicates",          LOGGED_IN, query="category=G01&lon=114.96&lat=35.7"),
    Row("GET",   "/api/v1/cases/<case_id>",           LOGGED_IN, NOT_THERE),
    Row("GET",   "/api/v1/cases/by-number/<number>",  LOGGED_IN, NOT_THERE),
    Row("GET",   "/api/v1/cases.xlsx",                LOGGED_IN),
    Row("GET",   "/api/v1/cases.csv",                 LOGGED_IN),
    Row("POST",  "/api/v1/cases/<case_id>/events",    (401, 403, 409, 409, 409), NOT_THERE, body=STALE_CLAIM),
    Row("GET",   "/api/v1/cases/<case_id>/timeline",  LOGGED_IN, NOT_THERE),
    Row("POST",  "/api/v1/cases/<case_id>/reveal",    LOGGED_IN, NOT_THERE, body=REASON),
    Row("GET",   "/api/v1/audit",                     ADMINS),
    Row("GET",   "/api/v1/stats",                     (401, 403, 200, 200, 200)),
    Row("GET",   "/api/v1/stats.xlsx",                (401, 403, 200, 200, 200)),
    Row("GET",   "/api/v1/users",                     ADMINS),
    Row("POST",  "/api/v1/users",                     (401, 403, 403, 403, 201), body=new_user),
    Row("GET",   "/api/v1/users/<user_id>",           ADMINS),
    Row("PATCH", "/api/v1/users/<user_id>",           ADMINS, body={"email": "t@example.cn"}),
    Row("POST",  "/api/v1/users/<user_id>/disable",   ADMINS),
    Row("POST",  "/api/v1/users/<user_id>/enable",    ADMINS),
    Row("POST",  "/api/v1/users/<user_id>/password",  ADMINS, body={"password": "reset-password"}),
    Row("GET",   "/api/v1/workers",                   ADMINS),
    Row("POST",  "/api/v1/workers",                   (401, 403, 403, 403, 201), body=new_worker),
    Row("PUT",   "/api/v1/grids/<code>/worker",       ADMINS, body={"staff_no": None}),
    Row("GET",   "/api/v1/categories/<code>/versions",  LOGGED_IN, values=CATEGORY),
    Row("GET",   "/api/v1/categories/<code>/versions/<version>", LOGGED_IN, values=CATEGORY),
    Row("POST",  "/api/v1/categories",                (401, 403, 403, 403, 201), body=new_category),
    Row("POST",  "/api/v1/categories/<code>/versions", (401, 403, 403, 403, 201), body={"name_en": "rubbish"}, values=CATEGORY),
    Row("POST",  "/api/v1/categories/<code>/disable", (401, 403, 403, 403, 201), body={}, values=CATEGORY),
    Row("POST",  "/api/v1/categories/<code>/enable",  (401, 403, 403, 403, 201), body={}, values=CATEGORY),
    Row("GET",   "/api/v1/calendar/<year>",           LOGGED_IN),
    Row("GET",   "/api/v1/notifications",             LOGGED_IN, query="unread=1"),
    Row("POST",  "/api/v1/notifications/read",        LOGGED_IN, body={"all": True}),
    Row("GET",   "/api/v1/notifications/failed",      ADMINS),
    Row("GET",   "/api/v1/account/notifications",     LOGGED_IN),
    Row("PUT",   "/api/v1/account/notifications",     LOGGED_IN, body={"language": "zh"}),
    Row("GET",   "/api/v1/webhooks",                  ADMINS),
    Row("POST",  "/api/v1/webhooks",                  (401, 403, 403, 403, 201), body={"url": "http://127.0.0.1:9/hook", "events": ["case.created"]}),
    Row("DELETE", "/api/v1/webhooks/<webhook_id>",    (401, 403, 403, 403, 404), values={"webhook_id": "999999"}),
    Row("POST",  "/api/v1/calendar/overrides",        ADMINS, body={"date": "2027-02-20", "kind": "workday", "name": "调休"}),
    Row("DELETE", "/api/v1/calendar/overrides/<day>", (401, 403, 403, 403, 404)),  # none declared that day
    Row("POST",  "/api/v1/calendar/import",           ADMINS, body={"csv": "2027-02-21,workday,调休\n"}),
    Row("POST",  "/api/v1/calendar/<year>/confirm",   ADMINS, body={}),
    Row("GET",   "/api/v1/cases/<case_id>/attachments", LOGGED_IN, NOT_THERE),
    Row("POST",  "/api/v1/cases/<case_id>/attachments", (401, 201, 409, 409, 201), NOT_THERE, body={"stage": "report"}, upload=True),
    Row("GET",   "/api/v1/attachments/<attachment_id>", LOGGED_IN, NOT_THERE),
    Row("GET",   "/api/v1/attachments/<attachment_id>/thumb", LOGGED_IN, NOT_THERE),
    Row("GET",   "/api/v1/patrols",                   LOGGED_IN, query="worker=<gw1>"),
    Row("POST",  "/api/v1/patrols",                   (401, 409, 403, 403, 403), body={}),  # gw1 is on patrol
    Row("POST",  "/api/v1/patrols/<patrol_id>/positions", (401, 201, 404, 404, 404), body=positions),
    Row("POST",  "/api/v1/patrols/<patrol_id>/end",   (401, 200, 404, 404, 404), body={}),
    Row("GET",   "/api/v1/entities",                  LOGGED_IN, query="grid=410902001001001"),
    Row("GET",   "/api/v1/entities/<ref>",            LOGGED_IN, values={"ref": "H1"}),  # outside: tests/test_entities_api.py
    Row("GET",   "/api/v1/geo/divisions",             LOGGED_IN, query=f"bbox={BBOX}&zoom=12"),
    Row("GET",   "/api/v1/geo/grids",                 LOGGED_IN, query=f"bbox={BBOX}&zoom=12"),
    Row("GET",   "/api/v1/geo/entities",              LOGGED_IN, query=f"bbox={BBOX}&zoom=16"),
    Row("GET",   "/api/v1/geo/cases",                 LOGGED_IN, query=f"bbox={BBOX}&zoom=14"),
    Row("GET",   "/geo/divisions.geojson",            PAGE, query=f"bbox={BBOX}&zoom=12"),
    Row("GET",   "/geo/grids.geojson",                PAGE, query=f"bbox={BBOX}&zoom=12"),
    Row("GET",   "/geo/entities.geojson",             PAGE, query=f"bbox={BBOX}&zoom=16"),
    Row("GET",   "/geo/cases.geojson",                PAGE, query=f"bbox={BBOX}&zoom=14"),
    Row("GET",   "/queue",                            (302, 403, 200, 200, 200)),
    Row("GET",   "/dashboard",                        (302, 403, 403, 200, 200)),
    Row("GET",   "/dashboard.xlsx",                   (302, 403, 403, 200, 200)),
    Row("GET",   "/patrols",                          (302, 403, 200, 200, 200)),
    Row("GET",   "/queue/export.<fmt>",               (302, 403, 200, 200, 200), values={"fmt": "xlsx"}),
    Row("GET",   "/cases/<case_id>",                  PAGE, NOT_THERE),
    Row("GET",   "/cases/<case_id>/act/<event>",      (302, 409, 200, 200, 200), NOT_THERE, values={"event": "escalate"}),
    Row("GET",   "/cases/<case_id>/agreement",        (302, 404, 404, 404, 404), NOT_THERE),  # no agreement yet
    Row("GET",   "/cases/<case_id>/timeline",         PAGE, NOT_THERE),
    # to the case file, whatever the id (the redirect says nothing of whether the case exists)
    Row("GET",   "/cases/<case_id>/events",           (302, 302, 302, 302, 302), (302, 302, 302)),
    Row("POST",  "/cases/<case_id>/events",           (302, 403, 409, 409, 409), NOT_THERE, body=STALE_CLAIM),
    Row("GET",   "/admin",                            ADMIN_PAGE),
    Row("GET",   "/admin/imports",                    ADMIN_PAGE),
    Row("POST",  "/admin/imports",                    admin_post(422), body={}),  # no file
    Row("GET",   "/admin/imports/<token>",            admin_post(404)),  # an upload that is not his
    Row("POST",  "/admin/imports/<token>",            admin_post(404), body={}),
    Row("GET",   "/admin/imports/<token>/map.geojson", admin_post(404)),
    Row("GET",   "/admin/coverage",                   ADMIN_PAGE, query="code=410902001001"),
    Row("GET",   "/admin/coverage/map.geojson",       ADMIN_PAGE, query="code=410902001001"),
    Row("GET",   "/admin/users",                      ADMIN_PAGE),
    Row("GET",   "/admin/users/new",                  ADMIN_PAGE),
    Row("POST",  "/admin/users/new",                  admin_post(302), body=new_page_user),
    Row("GET",   "/admin/users/<user_id>",            ADMIN_PAGE),
    Row("POST",  "/admin/users/<user_id>",            admin_post(302), body={"role": "grid_worker", "email": "t@example.cn"}),
    Row("POST",  "/admin/users/<user_id>/password",   admin_post(302), body={"password": "reset-password"}),
    Row("POST",  "/admin/users/<user_id>/active",     admin_post(302), body={"active": "1"}),
    Row("GET",   "/admin/workers",                    ADMIN_PAGE),
    Row("POST",  "/admin/workers",                    admin_post(302), body=new_worker),
    Row("GET",   "/admin/grids",                      admin_post(302)),  # to the grid's page
    Row("GET",   "/admin/grids/<code>/worker",        ADMIN_PAGE),
    Row("POST",  "/admin/grids/<code>/worker",        admin_post(302), body={"staff_no": ""}),
    Row("GET",   "/admin/categories",                 ADMIN_PAGE),
    Row("GET",   "/admin/categories/<code>",          ADMIN_PAGE, values=CATEGORY),
    Row("POST",  "/admin/categories/<code>",          admin_post(422), body={"based_on": "1"}, values=CATEGORY),
    Row("POST",  "/admin/categories/<code>/active",   admin_post(422), body={"active": "1"}, values=CATEGORY),  # in use
    Row("GET",   "/admin/calendar",                   admin_post(302)),  # to this year's
    Row("GET",   "/admin/calendar/<year>",            ADMIN_PAGE),
    Row("POST",  "/admin/calendar/<year>/overrides",  admin_post(302), body={"date": "2027-03-01", "kind": "holiday"}),
    Row("POST",  "/admin/calendar/<year>/overrides/<day>/remove", admin_post(422)),  # none declared that day
    Row("POST",  "/admin/calendar/<year>/import",     admin_post(302), body={"csv": "2027-02-22,workday,调休\n"}),
    Row("POST",  "/admin/calendar/<year>/confirm",    admin_post(302), body={}),
    Row("GET",   "/admin/audit",                      ADMIN_PAGE),
    Row("GET",   "/admin/notifications",              ADMIN_PAGE),
]
# fmt: on


def normal(rule: str) -> str:
    """A rule without its converters: /api/v1/cases/<int(max=…):case_id> → /api/v1/cases/<case_id>."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule)


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, normal(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_exactly_one_row(app):
    rows = [(row.method, row.rule) for row in ROWS]
    assert len(rows) == len(set(rows)), "a route has two rows"
    missing = sorted(app_routes(app) - set(rows))
    stale = sorted(set(rows) - app_routes(app))
    assert not missing, f"routes without a row in ROWS (add one for each): {missing}"
    assert not stale, f"rows without a route: {stale}"


@dataclass
class World:
    """The fixture city, a case inside and one outside, a user and a grid to administer."""

    app: Any
    db: Any
    cases: dict[str, int]
    numbers: dict[str, str]
    attachments: dict[str, str]
    params: dict[str, str]
    serial: Any

    def path(self, row: Row, where: str) -> str:
        values = self.params | {"case_id": str(self.cases[where]), "attachment_id": self.attachments[where]}
        values["number"] = self.numbers[where]
        values |= row.values or {}
        path = re.sub(r"<([^>]+)>", lambda m: values[m.group(1)], row.rule)
        query = re.sub(r"<([^>]+)>", lambda m: values[m.group(1)], row.query)
        return f"{path}?{query}" if query else path

    def call(self, row: Row, role: str, where: str) -> int:
        body = row.body(where, next(self.serial)) if callable(row.body) else row.body
        path = self.path(row, where)
        client = self.app.test_client()
        user = self._user(CALLERS[role]) if role != "anonymous" else None
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {make_token('test', user)}"} if user else {}
            if row.upload:
                form = (body or {}) | {"file": (io.BytesIO(photo()), "photo.jpg")}
                answer = client.open(path, method=row.method, data=form, headers=headers)
            else:
                answer = client.open(path, method=row.method, json=body, headers=headers)
        else:
            if user:
                with client.session_transaction() as session:
                    session["uid"], session["stamp"] = user.id, credential_stamp(user)
            answer = client.open(path, method=row.method, data=body, headers={"Accept": "text/html"})
        answer.close()  # a static file's answer holds the file open
        return answer.status_code

    def _user(self, name: str) -> User:
        with self.db.session() as s:
            return s.scalars(select(User).where(User.username == name)).one()


def build_world(app, client, runner, tmp_path, db) -> World:
    setup_city(runner, tmp_path, db)
    api = Api(client, {})
    inside = api.report("gw1")
    outside = api.report("gw3", location=EAST)
    assert inside.status_code == outside.status_code == 201
    with db.session() as s:
        target = add_user(s, "target", "grid_worker", None, None, "target-password")
        gw1 = s.scalars(select(User.id).where(User.username == "gw1")).one()
    files = {
        where: upload(api, user, case.json["id"], [("photo.jpg", photo())])
        for where, user, case in (("inside", "gw1", inside), ("outside", "gw3", outside))
    }
    assert all(r.status_code == 201 for r in files.values())
    patrol = api.post("gw1", "/api/v1/patrols", {})
    assert patrol.status_code == 201, patrol.json
    return World(
        app,
        db,
        {"inside": inside.json["id"], "outside": outside.json["id"]},
        {"inside": inside.json["number"], "outside": outside.json["number"]},
        {where: str(r.json["items"][0]["id"]) for where, r in files.items()},
        {
            "user_id": str(target.id),
            "code": "410902001001004",
            "filename": "css/gridflow.css",
            "year": "2027",
            "day": "2027-01-09",
            "patrol_id": str(patrol.json["id"]),
            "gw1": str(gw1),
            "token": "A" * 24,  # an upload nobody made
        },
        count(1),
    )


def test_every_route_answers_every_role_inside_and_outside_its_area_as_the_table_says(
    app, client, runner, tmp_path, db
):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; here: who may
    world = build_world(app, client, runner, tmp_path, db)
    wrong = []
    for row in ROWS:
        for role, expected in zip(ROLES, row.inside):
            got = world.call(row, role, "inside")
            if got != expected:
                wrong.append(f"{row.method} {row.rule} as {role}: {got}, expected {expected}")
        for role, expected in zip(AREA_ROLES, row.outside or ()):
            got = world.call(row, role, "outside")
            if got != expected:
                wrong.append(f"{row.method} {row.rule} as {role} outside his area: {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)
