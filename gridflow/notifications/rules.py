"""Who is told of which case event: one table (event → kind → recipients), and `for_events`, which
writes the notices into the outbox in the transaction of the event itself.

Every write is an INSERT … SELECT (the recipients are found by the database in the same statement)
with ON CONFLICT DO NOTHING on the notice's key: no round trip for the recipients (the report's
pipelined transaction stays pipelined), and a notice is never written twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

from gridflow.clock import iso_local
from gridflow.hotpath import HotFamily
from gridflow.models import Delivery, Grid, Notification, NotificationSettings, User, Webhook
from gridflow.workflow.categories import EMERGENCY_HOURS, WORKING_HOURS
from gridflow.workflow.rules import GRID_WORKER, MEDIATOR, SUPERVISOR, Actor

# Who: the level's mediators (of the case's division at its current level); the level's mediators
# and supervisors; the assignee; the assignee or, nobody assigned, the level's mediators; the worker
# owning the case's grid; the supervisors of the case's community.
MEDIATORS, LEVEL_STAFF, ASSIGNEE, ASSIGNEE_OR_MEDIATORS, GRID_OWNER, COMMUNITY_SUPERVISOR = (
    "mediators",
    "level_staff",
    "assignee",
    "assignee_or_mediators",
    "grid_worker",
    "community_supervisor",
)
IF_HOURS = None  # urgent when the case's limit is counted in hours


@dataclass(frozen=True)
class Rule:
    kind: str
    to: str
    urgent: bool | None = False  # urgent: SMS by default, never held back by quiet hours
    only_in_state: str | None = None  # the event notifies only when it leaves the case in this state


RULES: dict[str, Rule] = {
    "report": Rule("to_check", GRID_OWNER, only_in_state="reported"),  # waits for its grid worker
    "file": Rule("arrived", MEDIATORS, IF_HOURS),
    "release": Rule("arrived", MEDIATORS, IF_HOURS),
    "return": Rule("arrived", MEDIATORS, IF_HOURS),
    "escalate": Rule("escalated", LEVEL_STAFF, True),
    "pull_up": Rule("pulled_up", LEVEL_STAFF, True),
    "flag_overdue": Rule("overdue", LEVEL_STAFF, True),
    "urge": Rule("urged", ASSIGNEE_OR_MEDIATORS, True),
    "supervise": Rule("supervised", ASSIGNEE_OR_MEDIATORS),
    "resolve": Rule("resolved", GRID_OWNER),
    "rework": Rule("reworked", ASSIGNEE),
    "remind": Rule("reminder", ASSIGNEE_OR_MEDIATORS),
    "auto_file": Rule("auto_filed", COMMUNITY_SUPERVISOR),
    "verification_late": Rule("verification_late", COMMUNITY_SUPERVISOR),
}
# Not an event: the sweep finds cases past 80 % of their level's limit (gridflow.notifications.warnings).
WARNING = Rule("warning", ASSIGNEE_OR_MEDIATORS)

# Webhook event names; any other case event is "case.<event>".
WEBHOOK_EVENTS = {
    "report": "case.created",
    "file": "case.filed",
    "reject": "case.rejected",
    "merge": "case.merged",
    "claim": "case.claimed",
    "release": "case.released",
    "escalate": "case.escalated",
    "return": "case.returned",
    "resolve": "case.resolved",
    "refer": "case.referred",
    "verify": "case.closed",
    "rework": "case.reworked",
    "flag_overdue": "case.overdue",
    "pull_up": "case.pulled_up",
    "urge": "case.urged",
    "supervise": "case.supervised",
}


def webhook_event(event: str) -> str:
    return WEBHOOK_EVENTS.get(event, f"case.{event}")


@dataclass(frozen=True)
class Channels:
    """Which channels are set up (the outbox gets rows only for those)."""

    email: bool = False
    sms: bool = False

    @classmethod
    def from_config(cls, config) -> Channels:
        return cls(email=bool(config.get("SMTP_HOST")), sms=bool(config.get("SMS_URL")))


def has_recipients(rule_to: str, assigned: bool) -> bool:
    """Whether a rule names anybody: only "the assignee" of an unassigned case is nobody."""
    return assigned or rule_to != ASSIGNEE


def _recipients(rule_to: str, assigned: bool, p: str) -> ColumnElement[bool]:
    """The condition on user_account naming the recipients of a rule that `has_recipients`, its
    values bound as `{p}division` (the case's division at its level), `{p}assignee`, `{p}grid`,
    `{p}community`."""
    mediators = and_(User.role == MEDIATOR, User.division_id == bindparam(f"{p}division", type_=Integer()))
    if rule_to == MEDIATORS:
        return mediators
    if rule_to == LEVEL_STAFF:
        staff = or_(User.role == MEDIATOR, User.role == SUPERVISOR)  # not IN: see gridflow.hotpath
        return and_(staff, User.division_id == bindparam(f"{p}division", type_=Integer()))
    if rule_to in (ASSIGNEE, ASSIGNEE_OR_MEDIATORS):
        return User.id == bindparam(f"{p}assignee", type_=Integer()) if assigned else mediators
    if rule_to == GRID_OWNER:
        owner = select(Grid.worker_id).where(Grid.id == bindparam(f"{p}grid", type_=Integer())).scalar_subquery()
        return and_(User.role == GRID_WORKER, User.worker_id == owner)
    if rule_to == COMMUNITY_SUPERVISOR:
        return and_(User.role == SUPERVISOR, User.division_id == bindparam(f"{p}community", type_=Integer()))
    raise ValueError(f"unknown recipients {rule_to!r}")


# The outbox columns every INSERT … SELECT fills, in the order of its SELECT: in-app notices; a
# notice's e-mails and SMS (`notify`) and the webhooks' POSTs (`to_webhooks`).
NOTICE_COLUMNS = ["user_id", "case_id", "kind", "key", "urgent", "params", "created_at"]
DELIVERY_COLUMNS = [
    "channel",
    "recipient_id",
    "case_id",
    "kind",
    "key",
    "urgent",
    "params",
    "created_at",
    "status",
    "attempts",
    "next_at",
]


# An outbox source: the shape of a SELECT (built once per shape by `_source`) and its values.
Shape = tuple


@dataclass
class Outbox:
    """The notices and deliveries of one transaction's events, written in at most two statements
    (one per table: each source a SELECT, joined by UNION ALL).  Statements are built once per shape
    and their values bound (building SQLAlchemy expressions per event cost a report a fifth of its time)."""

    notices: list[tuple[Shape, dict]] = field(default_factory=list)
    deliveries: list[tuple[Shape, dict]] = field(default_factory=list)

    def add(self, into: list[tuple[Shape, dict]], shape: Shape, values: dict) -> None:
        """A source, its values bound under a prefix of its own (`s3_…`: the fourth of the transaction)."""
        p = f"s{len(self.notices) + len(self.deliveries)}_"
        into.append(((*shape, p), {p + k: v for k, v in values.items()}))

    def write(self, conn: Connection) -> None:
        for table, sources in (("notification", self.notices), ("delivery", self.deliveries)):
            if sources:
                shapes = tuple(shape for shape, _ in sources)
                values = {k: v for _, bound in sources for k, v in bound.items()}
                OUTBOX_INSERT.rows(conn, (table, shapes), values)


def _insert(dialect_name: str, key: tuple[str, tuple[Shape, ...]]) -> Any:
    """The INSERT … SELECT of a table's sources (`key`: the table's name and the sources' shapes)."""
    table, shapes = key
    model, columns = (Notification, NOTICE_COLUMNS) if table == "notification" else (Delivery, DELIVERY_COLUMNS)
    sources = [_source(dialect_name, shape) for shape in shapes]
    # (SQLite needs a WHERE before an ON CONFLICT that follows INSERT … SELECT.)
    rows = sources[0] if len(sources) == 1 else select(union_all(*sources).subquery()).where(true())
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(model).from_select(columns, rows).on_conflict_do_nothing()


# Every event writes through it: executed on the driver (see gridflow.hotpath), each shape compiled once.
OUTBOX_INSERT = HotFamily("notifications.outbox", _insert)


def _source(dialect_name: str, shape: Shape) -> Select:
    """The SELECT of one shape: ("notice" | "email" | "sms", rule's recipients, assigned, has actor,
    urgent, prefix) or ("webhook", prefix)."""
    what, p = shape[0], shape[-1]
    types: dict[str, Any] = {
        "case": Integer(),
        "kind": String(),
        "key": String(),
        "urgent": Boolean(),
        "params": String(),
    }
    common: list[Any] = [bindparam(f"{p}{n}", type_=t) for n, t in types.items()]
    now = bindparam(f"{p}now", type_=DateTime())
    if what == "webhook":
        # The webhook's list (",case.filed,case.closed,") names the event or "*".  Not LIKE: SQLite
        # prepares a statement again whenever the pattern of a LIKE changes, which made this outbox
        # statement cost a report 70 µs.
        position = func.strpos if dialect_name == "postgresql" else func.instr
        asked = or_(
            position(Webhook.events, bindparam(f"{p}asked", type_=String())) > 0, position(Webhook.events, ",*,") > 0
        )
        return select(literal("webhook"), Webhook.id, *common, now, literal("pending"), literal(0), now).where(
            Webhook.active.is_(True), asked
        )
    _, rule_to, assigned, has_actor, urgent, _ = shape
    who = and_(_recipients(rule_to, assigned, p), User.active.is_(True))
    if has_actor:
        who = and_(who, User.id != bindparam(f"{p}actor", type_=Integer()))
    if what == "notice":
        return select(User.id, *common, now).where(who)
    if what == "email":
        wanted = and_(User.email.is_not(None), User.email != "", func.coalesce(NotificationSettings.email_on, true()))
    else:
        sms: ColumnElement[bool] = func.coalesce(NotificationSettings.sms_on, true())
        if not urgent:
            sms = and_(sms, func.coalesce(NotificationSettings.sms_all, false()))
        wanted = and_(User.phone.is_not(None), User.phone != "", sms)
    return (
        select(literal(what), User.id, *common, now, literal("pending"), literal(0), now)
        .select_from(User)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(who, wanted)
    )


def is_urgent(rule: Rule, limit_unit: str | None) -> bool:
    if rule.urgent is IF_HOURS:
        return limit_unit in (EMERGENCY_HOURS, WORKING_HOURS)
    return bool(rule.urgent)


def notify(
    out: Outbox,
    case: Any,
    rule: Rule,
    key: str,
    actor_id: int | None,
    now: datetime,
    channels: Channels,
    limit_unit: str | None = None,
    reason: str | None = None,
) -> None:
    """One notice for its recipients (not the actor himself): the in-app rows, and an e-mail and an
    SMS to send for those who have an address and want it."""
    assigned = case.assignee_id is not None
    if not has_recipients(rule.to, assigned):
        return
    urgent = is_urgent(rule, limit_unit)
    params = json.dumps(
        {"number": case.number, "level": case.level, "reason": reason}, ensure_ascii=False, sort_keys=True
    )
    values = {
        "case": case.id,
        "kind": rule.kind,
        "key": key,
        "urgent": urgent,
        "params": params,
        "now": now,
        "division": getattr(case, f"{case.level}_id"),
        "assignee": case.assignee_id,
        "grid": case.grid_id,
        "community": case.community_id,
        "actor": actor_id,
    }
    recipients = (rule.to, assigned, actor_id is not None, urgent)
    out.add(out.notices, ("notice", *recipients), values)
    for channel in ("email", "sms"):
        if getattr(channels, channel):
            out.add(out.deliveries, (channel, *recipients), values)


def for_events(
    conn: Connection,
    case: Any,
    events: list[tuple[str, int]],
    actor: Actor,
    now: datetime,
    channels: Channels,
    limit_unit: str | None = None,
    reason: str | None = None,
) -> None:
    """The notices and webhook deliveries of a transaction's case events ((event, seq): its place in
    the case's timeline), written on `conn`, inside that transaction.  `case` is as the events left it."""
    out = Outbox()
    for event, seq in events:
        rule = RULES.get(event)
        if rule is not None and (rule.only_in_state is None or case.state == rule.only_in_state):
            notify(out, case, rule, f"{case.id}:{seq}:{rule.kind}", actor.id, now, channels, limit_unit, reason)
        to_webhooks(out, case, webhook_event(event), f"{case.id}:{seq}", now, reason)
    out.write(conn)


def to_webhooks(out: Outbox, case: Any, name: str, key: str, now: datetime, reason: str | None = None) -> None:
    """One delivery per active webhook that asked for this event."""
    body = json.dumps(
        {
            "event": name,
            "at": iso_local(now),
            "case": {"id": case.id, "number": case.number, "state": case.state, "level": case.level},
            "reason": reason,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    values = {"case": case.id, "kind": name, "key": key, "urgent": False, "params": body, "now": now}
    out.add(out.deliveries, ("webhook",), values | {"asked": f",{name},"})


__all__ = ["RULES", "WARNING", "Channels", "Outbox", "Rule", "for_events", "notify"]
