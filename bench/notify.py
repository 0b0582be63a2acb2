"""Figures for notification delivery (issue 11).  Run: .venv/bin/python -m bench.notify [--messages N]

On SpatiaLite and on PostGIS, with the demo city:
1. E-mails delivered per second by one sender (gridflow.notifications.deliver) to a local SMTP server
   (aiosmtpd), and by two senders at once (each message still sent once: checked).
2. Case reports per second through POST /api/v1/cases (gunicorn, two workers) with nothing else
   running, and with a sender delivering a backlog beside them (alternating rounds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, insert, select

from bench.cases import BENCH_PASSWORD, Server, bench_reports, bulk_load, numbered, settle, token
from bench.common import add_backend_options, backends, demo_city, disposing
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.models import Case, CaseEvent, Delivery, Notification, User
from gridflow.notifications.deliver import DeliveryReport, Outbox, deliver, deliver_batch
from gridflow.people.users import add_user
from tests.notify_helpers import SmtpSink, wait_for

RECIPIENTS = 20  # distinct addresses the messages go to
PORTS = {"SpatiaLite": 8721, "PostGIS": 8731}  # our server's, by back end


@dataclass(frozen=True)
class Sizes:
    scale: str = "full"
    messages: int = 5_000  # one sender's run (two senders: the same again)
    backlog: int = 30_000  # pending while reports are measured
    reports: int = 600  # per round
    rounds: int = 3


FULL = Sizes()
SMOKE = Sizes(scale="small", messages=60, backlog=200, reports=20, rounds=1)


def recipients(db) -> list[int]:
    with db.session() as s:
        s.execute(delete(User).where(User.username.like("bench.notify.%")))
        users = [add_user(s, f"bench.notify.{i}", "admin", None, None, BENCH_PASSWORD) for i in range(RECIPIENTS)]
        for i, user in enumerate(users):
            user.email = f"bench.{i}@example.cn"
        s.execute(delete(User).where(User.username == "bench.admin"))
        add_user(s, "bench.admin", "admin", None, None, BENCH_PASSWORD)
        s.flush()
        return [u.id for u in users]


def seed(db, n: int, case_id: int, users: list[int], tag: str) -> None:
    """`n` e-mails due now (as the outbox holds them after n notices)."""
    now = utcnow()
    params = json.dumps({"number": "410902-20261127-00001", "level": "community", "reason": None})
    rows = [
        {
            "channel": "email",
            "recipient_id": users[i % len(users)],
            "key": f"bench:{tag}:{i}",
            "case_id": case_id,
            "kind": "arrived",
            "urgent": False,
            "params": params,
            "status": "pending",
            "attempts": 0,
            "next_at": now,
            "created_at": now,
        }
        for i in range(n)
    ]
    with db.transaction(write=True) as conn:
        for start in range(0, n, 5_000):
            conn.execute(insert(Delivery), rows[start : start + 5_000])


def clear(db) -> None:
    with db.session() as s:
        s.execute(delete(Delivery))
        s.execute(delete(Notification))


def delivery_rate(db, outbox: Outbox, smtp: SmtpSink, n: int, senders: int) -> float:
    before = len(smtp.messages)
    reports: list[DeliveryReport] = []
    started = time.perf_counter()
    threads = [threading.Thread(target=lambda: reports.append(deliver(db, outbox, utcnow()))) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    assert sum(r.sent for r in reports) == n, reports
    assert wait_for(lambda: len(smtp.messages) - before == n, 30)
    ids = [m["Message-ID"] for m in smtp.messages[before:]]
    assert len(set(ids)) == n, "a message was sent twice"
    return n / elapsed


def run(name: str, url: str, port: int, sizes: Sizes = FULL) -> None:
    print(f"== {name}")
    with disposing(demo_city(url, scale=sizes.scale)) as app:
        measure(app, url, port, sizes)


def measure(app, url: str, port: int, sizes: Sizes) -> None:
    """The figures on `app`'s database (what they add to it removed after); our server on `port`."""
    db = get_db(app)
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))
    clear(db)
    users = recipients(db)
    bulk_load(db, 1, "N", seed=11)
    with db.session() as s:
        case_id = s.scalar(select(func.min(Case.id)).where(numbered("N")))
    with SmtpSink() as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, NOTIFY_BATCH=100)
        outbox = Outbox.from_config(app.config)
        for senders in (1, 2):
            seed(db, sizes.messages, case_id, users, f"s{senders}")
            rate = delivery_rate(db, outbox, smtp, sizes.messages, senders)
            print(
                f"  e-mail delivered, {senders} sender(s): {rate:.0f} messages/s ({sizes.messages:,} messages, each once)"
            )
        clear(db)
        settle(db)
        db.dispose()
        seed(db, sizes.backlog, case_id, users, "backlog")
        server = Server("wsgi:app", url, port)
        try:
            admin = {"Authorization": f"Bearer {token(port, 'bench.admin', BENCH_PASSWORD)}"}
            bench_reports(port, "/api/v1/cases", admin, max(sizes.reports // 4, 4))
            alone, beside, sent = [], [], 0
            for _ in range(sizes.rounds):
                alone.append(bench_reports(port, "/api/v1/cases", admin, sizes.reports))
                stop = threading.Event()
                counts: list[int] = []

                def sender(stop=stop, counts=counts):
                    while not stop.is_set():
                        counts.append(deliver_batch(db, outbox, utcnow()).sent)

                t = threading.Thread(target=sender)
                t.start()
                beside.append(bench_reports(port, "/api/v1/cases", admin, sizes.reports))
                stop.set()
                t.join()
                sent += sum(counts)
        finally:
            server.stop()
    print(
        f"  POST /api/v1/cases: {statistics.median(alone):.0f} reports/s alone "
        f"(rounds: {', '.join(f'{r:.0f}' for r in alone)}); "
        f"{statistics.median(beside):.0f} reports/s with a sender delivering beside "
        f"(rounds: {', '.join(f'{r:.0f}' for r in beside)}; {sent:,} e-mails sent meanwhile)"
    )
    with db.session() as s:
        s.execute(delete(CaseEvent))
        s.execute(delete(Case).where(~numbered("B")))
    clear(db)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int)
    parser.add_argument("--scale", choices=("small", "full"))
    add_backend_options(parser)
    parser.add_argument("--smoke", action="store_true", help="toy sizes, on their own databases")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.messages:
        sizes = replace(sizes, messages=args.messages)
    if args.scale:
        sizes = replace(sizes, scale=args.scale)
    names = ("notify-smoke.db", "gridflow_bench_notify_smoke") if args.smoke else ("notify.db", "gridflow_bench_notify")
    for name, url in backends(args, *names):
        run(name, url, PORTS[name], sizes)


if __name__ == "__main__":
    main()
