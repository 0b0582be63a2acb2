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

from sqlalchemy import Connection, Select, and_, false, func, literal, or_, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

from gridflow.clock import iso_local
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


def _recipients(rule_to: str, case: Any) -> ColumnElement[bool] | None:
    """The condition on user_account naming the recipients (None: nobody)."""
    level_division = getattr(case, f"{case.level}_id")
    mediators = and_(User.role == MEDIATOR, User.division_id == level_division)
    if rule_to == MEDIATORS:
        return mediators
    if rule_to == LEVEL_STAFF:
        return and_(User.role.in_((MEDIATOR, SUPERVISOR)), User.division_id == level_division)
    if rule_to == ASSIGNEE:
        return None if case.assignee_id is None else User.id == case.assignee_id
    if rule_to == ASSIGNEE_OR_MEDIATORS:
        return mediators if case.assignee_id is None else User.id == case.assignee_id
    if rule_to == GRID_OWNER:
        owner = select(Grid.worker_id).where(Grid.id == case.grid_id).scalar_subquery()
        return and_(User.role == GRID_WORKER, User.worker_id == owner)
    if rule_to == COMMUNITY_SUPERVISOR:
        return and_(User.role == SUPERVISOR, User.division_id == case.community_id)
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


@dataclass
class Outbox:
    """The notices and deliveries of one transaction's events, written in at most two statements
    (one per table: each source a SELECT, joined by UNION ALL)."""

    notices: list[Select] = field(default_factory=list)
    deliveries: list[Select] = field(default_factory=list)

    def write(self, conn: Connection) -> None:
        for model, columns, sources in (
            (Notification, NOTICE_COLUMNS, self.notices),
            (Delivery, DELIVERY_COLUMNS, self.deliveries),
        ):
            if not sources:
                continue
            rows = sources[0] if len(sources) == 1 else select(union_all(*sources).subquery()).where(true())
            dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
            # (SQLite needs the WHERE before an ON CONFLICT that follows INSERT … SELECT.)
            conn.execute(dialect.insert(model).from_select(columns, rows).on_conflict_do_nothing())


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
    who = _recipients(rule.to, case)
    if who is None:
        return
    who = and_(who, User.active.is_(True))
    if actor_id is not None:
        who = and_(who, User.id != actor_id)
    urgent = is_urgent(rule, limit_unit)
    params = json.dumps(
        {"number": case.number, "level": case.level, "reason": reason}, ensure_ascii=False, sort_keys=True
    )
    common = [literal(case.id), literal(rule.kind), literal(key), literal(urgent), literal(params), literal(now)]
    out.notices.append(select(User.id, *common).where(who))
    wanted = []
    if channels.email:
        wanted.append(
            (
                "email",
                and_(User.email.is_not(None), User.email != "", func.coalesce(NotificationSettings.email_on, true())),
            )
        )
    if channels.sms:
        sms_wanted: ColumnElement[bool] = func.coalesce(NotificationSettings.sms_on, true())
        if not urgent:
            sms_wanted = and_(sms_wanted, func.coalesce(NotificationSettings.sms_all, false()))
        wanted.append(("sms", and_(User.phone.is_not(None), User.phone != "", sms_wanted)))
    for channel, condition in wanted:
        out.deliveries.append(
            select(literal(channel), User.id, *common, literal("pending"), literal(0), literal(now))
            .select_from(User)
            .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
            .where(who, condition)
        )


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
    asked = or_(Webhook.events.contains(f",{name},"), Webhook.events.contains(",*,"))
    values = [literal(case.id), literal(name), literal(key), literal(False), literal(body), literal(now)]
    out.deliveries.append(
        select(literal("webhook"), Webhook.id, *values, literal("pending"), literal(0), literal(now)).where(
            Webhook.active.is_(True), asked
        )
    )


__all__ = ["RULES", "WARNING", "Channels", "Outbox", "Rule", "for_events", "notify"]
