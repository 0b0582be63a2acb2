"""Notifications: who is told of what (in-app, written with the event), the list and marking read,
settings, and delivery by e-mail (a real SMTP server), SMS and webhooks (a real HTTP server): retries,
failures, two senders at once, a sender that dies.  Both back ends."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from gridflow.clock import parse_iso, utcnow
from gridflow.db import get_db
from gridflow.models import Delivery, Notification, User
from gridflow.notifications.deliver import Outbox, claim, deliver
from gridflow.notifications.rules import RULES
from gridflow.notifications.texts import TEXTS, case_link, notice_text
from tests.cases_helpers import WEST_SW, Api, setup_city
from tests.helpers import invoke
from tests.notify_helpers import HttpSink, SmtpSink, wait_for
from tests.test_sweep import china, report_at, sweep_at


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def ok(r, status=200):
    assert r.status_code == status, r.json
    return r.json


def kinds(api, user) -> list[tuple[str, str]]:
    """(kind, case number) of the user's notifications, oldest first."""
    items = ok(api.get(user, "/api/v1/notifications?per_page=100"))["items"]
    return [(n["kind"], n["case"]["number"]) for n in reversed(items)]


def incident(api, user="gw1", **body):
    return ok(
        api.report(user, kind="incident", category="G01", description="垃圾堆积", risk=None, parties=[], **body), 201
    )


def test_each_kind_reaches_the_right_people(api):
    case = incident(api)  # a field report in gw1's own grid: filed at once, in the community's queue
    n = case["number"]
    assert kinds(api, "med_comm") == [("arrived", n)] == kinds(api, "med_comm2")
    assert kinds(api, "gw1") == [] and kinds(api, "sup_comm") == [] and kinds(api, "med_street") == []
    assert kinds(api, "med_comm_east") == []  # another community
    case = ok(api.event("med_comm", case, "claim"))
    case = ok(api.event("med_comm", case, "escalate", reason="需街道协调"))
    for user in ("med_street", "med_street2", "sup_street"):
        assert kinds(api, user) == [("escalated", n)], user
    assert kinds(api, "med_comm") == [("arrived", n)]  # nothing new for the one who escalated
    case = ok(api.event("med_street", case, "claim"))
    case = ok(api.event("med_street", case, "return", reason="社区可处理"))
    assert kinds(api, "med_comm")[-1] == ("arrived", n) and len(kinds(api, "med_comm")) == 2
    case = ok(api.event("med_comm2", case, "claim"))
    case = ok(api.event("med_comm2", case, "resolve", outcome="已清运"))
    assert kinds(api, "gw1") == [("resolved", n)]  # the grid's worker, to verify
    case = ok(api.event("gw1", case, "rework", reason="仍有垃圾"))
    assert kinds(api, "med_comm2")[-1] == ("reworked", n)  # the assignee
    assert ("reworked", n) not in kinds(api, "med_comm")
    # A report made off site waits for the grid's worker (gw2 owns WEST_SW).
    other = ok(api.report("med_comm", location=WEST_SW), 201)
    assert kinds(api, "gw2") == [("to_check", other["number"])]


def test_the_list_reads_in_the_users_language_and_marks_read(api):
    case = incident(api)
    first = ok(api.get("med_comm", "/api/v1/notifications?unread=1"))
    assert first["total"] == 1 and first["unread"] == 1
    item = first["items"][0]
    assert item["case"] == {"id": case["id"], "number": case["number"]} and not item["read"]
    assert item["text"].startswith(f"案件{case['number']}") and item["created_at"].endswith("+08:00")
    ok(api.client.put("/api/v1/account/notifications", json={"language": "en"}, headers=api.headers("med_comm")))
    english = ok(api.get("med_comm", "/api/v1/notifications"))["items"][0]["text"]
    assert english == f"Case {case['number']} is waiting in the community queue"
    # Others' ids are ignored; one's own are marked once.
    assert ok(api.post("med_comm2", "/api/v1/notifications/read", {"ids": [item["id"]]})) == {"marked": 0, "unread": 1}
    assert ok(api.post("med_comm", "/api/v1/notifications/read", {"ids": [item["id"]]})) == {"marked": 1, "unread": 0}
    assert ok(api.get("med_comm", "/api/v1/notifications?unread=1"))["total"] == 0
    assert ok(api.get("med_comm", "/api/v1/notifications"))["items"][0]["read"] is True
    incident(api)
    assert ok(api.post("med_comm", "/api/v1/notifications/read", {"all": True}))["marked"] == 1
    bad = api.post("med_comm", "/api/v1/notifications/read", {})
    assert bad.status_code == 422
    assert api.get("med_comm", "/api/v1/notifications?unread=1&nope=1").status_code == 400


def test_settings_are_checked(api):
    put = api.client.put
    h = api.headers("med_comm")
    assert ok(api.get("med_comm", "/api/v1/account/notifications"))["email_on"] is True
    assert put("/api/v1/account/notifications", json={"quiet_start": "22:00"}, headers=h).status_code == 422
    assert (
        put("/api/v1/account/notifications", json={"quiet_start": "25:00", "quiet_end": "07:00"}, headers=h).status_code
        == 422
    )
    assert put("/api/v1/account/notifications", json={"language": "fr"}, headers=h).status_code == 422
    got = ok(
        put(
            "/api/v1/account/notifications",
            json={"sms_on": False, "quiet_start": "22:00", "quiet_end": "07:00"},
            headers=h,
        )
    )
    assert got["sms_on"] is False and got["quiet_end"] == "07:00"


def test_warning_at_80_percent_once_per_stay(api, runner):
    case = report_at(api, "2026-11-23T09:00")  # G01: one working day at community level
    warn_at = parse_iso(ok(api.get("admin", f"/api/v1/cases/{case['id']}"))["warn_at"])
    assert "0 warned" in sweep_at(runner, (warn_at - timedelta(minutes=1)).isoformat() + "+00:00")
    assert "1 warned" in sweep_at(runner, (warn_at + timedelta(minutes=1)).isoformat() + "+00:00")
    sweep_at(runner, (warn_at + timedelta(minutes=10)).isoformat() + "+00:00")
    warnings = [k for k in kinds(api, "med_comm") if k[0] == "warning"]
    assert warnings == [("warning", case["number"])]  # nobody assigned: the level's mediators, once


def test_texts_fit_one_sms_with_their_link():
    params = {"number": "410902-20261127-00042", "level": "county", "reason": "群众多次反映，请尽快处理"}
    link = case_link("https://gf.puyang.gov.cn", 1234567)  # 25 characters
    for kind in TEXTS:
        assert len(notice_text(kind, params, "zh", link)) <= 70, kind
        assert params["number"] in notice_text(kind, params, "en", link)
    assert {r.kind for r in RULES.values()} <= set(TEXTS)


# -- delivery -----------------------------------------------------------------------------------


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def http():
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def wired(app, api, runner, smtp, http):
    """SMTP and the SMS gateway set up; every mediator and supervisor with an e-mail address and a phone."""
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        SMS_URL=f"{http.url}/sms",
        SMS_TOKEN="gw-token",
        NOTIFY_MAX_ATTEMPTS=3,
        NOTIFY_RETRY_SECONDS=10.0,
        PUBLIC_URL="https://gf.example.cn",
    )
    with get_db(app).session(write=True) as s:
        for i, user in enumerate(s.scalars(select(User).order_by(User.id))):
            user.email, user.phone = f"{user.username}@example.cn", f"1380000{i:04d}"
    return app


def test_email_sms_and_signed_webhooks_reach_their_receivers(wired, api, runner, smtp, http):
    hook = ok(
        api.post(
            "admin", "/api/v1/webhooks", {"url": f"{http.url}/hook", "events": ["case.created", "case.escalated"]}
        ),
        201,
    )
    case = incident(api)
    case = ok(api.event("med_comm", case, "claim"))
    ok(api.event("med_comm", case, "escalate", reason="需街道协调"))
    result = invoke(runner, "notifications", "deliver")
    assert result.exit_code == 0 and "failed" in result.output
    assert wait_for(lambda: len(smtp.messages) == 5)  # arrived ×2 (community), escalated ×3 (street)
    arrived = smtp.to("med_comm2@example.cn")
    assert len(arrived) == 1 and case["number"] in arrived[0]["Subject"]
    body = arrived[0].get_content()
    assert f"https://gf.example.cn/cases/{case['id']}" in body
    assert arrived[0]["Message-ID"].startswith("<gf-email-")
    # SMS: only urgent kinds by default (escalated; a limit in working days arriving is not urgent).
    sms = http.json_bodies("/sms")
    assert [m["text"] for m in sms] == [
        f"案件{case['number']}已上报至街道 https://gf.example.cn/cases/{case['id']}"
    ] * 3
    assert {m["phone"] for m in sms} == {u.phone for u in _users(wired, "med_street", "med_street2", "sup_street")}
    assert all(h["Authorization"] == "Bearer gw-token" for p, h, _ in http.requests if p == "/sms")
    # Webhooks: created and escalated, signed with the secret shown once.
    hooks = [(h, b) for p, h, b in http.requests if p == "/hook"]
    assert [json.loads(b)["event"] for _, b in hooks] == ["case.created", "case.escalated"]
    for headers, body in hooks:
        expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Gridflow-Signature"] == expected and headers["X-Gridflow-Delivery"].startswith("gf-webhook-")
    assert "secret" not in ok(api.get("admin", "/api/v1/webhooks"))["items"][0]
    # Nothing is sent twice.
    invoke(runner, "notifications", "deliver")
    assert len(smtp.messages) == 5 and len(http.requests) == 5
    with get_db(wired).session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "sent")) == 0


def _users(app, *names):
    with get_db(app).session() as s:
        return list(s.scalars(select(User).where(User.username.in_(names))))


def test_turned_off_channels_and_quiet_hours(wired, api, runner, smtp):
    h = api.headers("med_comm")
    ok(api.client.put("/api/v1/account/notifications", json={"email_on": False}, headers=h))
    ok(
        api.client.put(
            "/api/v1/account/notifications",
            json={"quiet_start": "00:00", "quiet_end": "23:59"},
            headers=api.headers("med_comm2"),
        )
    )
    incident(api)
    report = deliver(get_db(wired), Outbox.from_config(wired.config), utcnow())
    assert report.sent == 0 and report.deferred == 1  # med_comm: no e-mail at all; med_comm2: waits
    with get_db(wired).session() as s:
        waiting = s.scalars(select(Delivery)).one()
        assert waiting.recipient_id == _users(wired, "med_comm2")[0].id and waiting.next_at > utcnow()


def test_a_failing_receiver_is_retried_then_marked_failed(wired, api, runner, http):
    http.status = 500
    case = incident(api)
    case = ok(api.event("med_comm", case, "claim"))
    ok(api.event("med_comm", case, "escalate", reason="需街道协调"))
    wired.config["SMTP_HOST"] = ""  # e-mail fails too: no server set up any more
    db, outbox = get_db(wired), Outbox.from_config(wired.config)
    now = utcnow()
    first = deliver(db, outbox, now)
    assert first.retrying == 8 and first.failed == 0  # 5 e-mails, 3 SMS
    assert deliver(db, outbox, now + timedelta(seconds=5)).retrying == 0  # backoff: not yet
    assert deliver(db, outbox, now + timedelta(seconds=11)).retrying == 8
    assert deliver(db, outbox, now + timedelta(seconds=25)).retrying == 0  # 20 s the second time
    last = deliver(db, outbox, now + timedelta(seconds=35))
    assert last.failed == 8
    assert len(http.requests) == 9  # 3 SMS × 3 attempts
    failed = ok(api.get("admin", "/api/v1/notifications/failed"))
    assert failed["total"] == 8
    reasons = {(f["channel"], f["last_error"]) for f in failed["items"]}
    assert reasons == {("sms", f"HTTP 500 from {http.url}/sms"), ("email", "GRIDFLOW_SMTP_HOST is not set")}
    assert {f["attempts"] for f in failed["items"]} == {3}
    assert api.get("med_comm", "/api/v1/notifications/failed").status_code == 403
    out = invoke(runner, "notifications", "failed").output
    assert "8 failed" in out and "HTTP 500" in out
    # The admin's page lists the same, with the case and why.
    from tests.web_helpers import HTML, web_login

    web_login(api.client, "admin")
    page = api.client.get("/admin/notifications", headers=HTML)
    assert page.status_code == 200 and "8 条" in page.text and f"HTTP 500 from {http.url}/sms" in page.text
    assert case["number"] in page.text


def _many(api, n):
    for _ in range(n):
        incident(api)  # two e-mails each (med_comm, med_comm2)


def test_two_senders_at_once_send_each_message_once(wired, api, smtp):
    _many(api, 15)
    wired.config["NOTIFY_BATCH"] = 4
    db, outbox = get_db(wired), Outbox.from_config(wired.config)
    now = utcnow()
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(deliver(db, outbox, now))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 30
    assert wait_for(lambda: len(smtp.messages) == 30)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == 30


def test_a_sender_killed_mid_batch_loses_nothing(wired, api, smtp):
    _many(api, 3)
    wired.config["NOTIFY_BATCH"] = 4
    db, outbox = get_db(wired), Outbox.from_config(wired.config)
    now = utcnow()
    taken = claim(db, outbox, now, "a-sender-that-dies")  # claimed, then never sent nor recorded
    assert len(taken) == 4
    assert deliver(db, outbox, now).sent == 2  # the others only: its claims still hold
    later = deliver(db, outbox, now + outbox.lease + timedelta(seconds=1))
    assert later.sent == 4  # the lease ran out: taken again
    assert wait_for(lambda: len(smtp.messages) == 6)
    assert len({m["Message-ID"] for m in smtp.messages}) == 6


def test_sweep_delivers_and_notices_are_written_once(wired, api, runner, smtp):
    with time_machine.travel(china("2026-11-23T09:00"), tick=False):
        case = incident(api)
    out = sweep_at(runner, "2026-11-24T18:00")  # overdue: escalated to the street by the sweep
    assert "1 escalated" in out and "sent" in out
    assert kinds(api, "sup_street") == [("escalated", case["number"])]
    sweep_at(runner, "2026-11-24T18:00")
    with get_db(wired).session() as s:
        keys = list(s.scalars(select(Notification.key)))
        assert len(keys) == len(set(zip(keys, s.scalars(select(Notification.user_id)), strict=True)))
    assert parse_iso("2026-11-24T18:00")  # the sweep's clock
