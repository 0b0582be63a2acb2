"""THE workflow: every state, every event, who may trigger it, its guards and its level change.

This table is the only place that says what may happen to a case.  Read a row as: "`event` takes a
case from `source` to `dest` (None: stays), moving its level `level` (UP/DOWN/SAME); actors with one of
`who` may do it when every guard holds; the event needs the inputs in `needs`; then `effects` run."

States:
  reported  from the public, by staff off site, or by a grid worker outside his own grids: the
            grid's own worker checks it on site and files it (a grid worker's field report in his
            own grids is filed at once)
  open      waiting at a level (community, street, county, city) for a handler
  handling  claimed by a mediator/handler of that level
  resolved  handled; waits for the grid worker's on-site verification
  closed    verified; follow-up visits may still be recorded
  referred  sent out of mediation (arbitration, court, administrative body); parties told their routes
  rejected  a report that is not a case (with reason)
  merged    a duplicate of another case

The system (the sweep, `gridflow.cases.sweep`) keeps the time limits of every step: an overdue
case goes up a level (`escalate`, reason "overdue") or is flagged at city level; a `reported` case
its grid worker did not file in time is filed at community level unchecked (`auto_file`); a
`resolved` case not verified in time is marked (`verification_late`); an agreement's performance
deadline and judicial-confirmation window are recalled before and on the day (`remind`).

Upper levels supervise lower ones: a supervisor of a level above the case's, whose division holds
it, may urge it (`urge`, 催办), put it under his level's supervision with a note and a due time
(`supervise`, 督办: marked until the case ends) or pull it up to his own level (`pull_up`, 提级).

Two events are recorded through other doors than POST /cases/{id}/events (`SIDE_DOORS`): `attach`
(photos and documents, through the attachments route; its rows' `variant` is the stage a file is
for) and `merge_in` (on the older case, when a duplicate is merged into it).  Neither changes the
state, the level or the version of the case; both enter its timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from transitions import Machine

from gridflow.workflow import rules as r
from gridflow.workflow.rules import ADMIN, GRID_WORKER, MEDIATOR, SUPERVISOR, SYSTEM

STATES = ("reported", "open", "handling", "resolved", "closed", "referred", "rejected", "merged")
ACTIVE = ("open", "handling")  # the states in which a level's clock runs
TERMINAL = ("closed", "referred", "rejected", "merged")
UNFINISHED = ("reported", "open", "handling", "resolved")  # not yet closed or ended: takes duplicates, report photos
UP, DOWN, SAME = +1, -1, 0
ABOVE = +2  # to the actor's own level, one or more above the case's (pull_up)
STAFF = (MEDIATOR, SUPERVISOR)
STAGES = ("report", "handling", "verification", "agreement")  # what an attachment is for
SIDE_DOORS = {
    "attach": "POST /api/v1/cases/{id}/attachments",
    "merge_in": "the merge of a duplicate into this case",
}


@dataclass(frozen=True)
class Row:
    event: str
    source: tuple[str, ...]
    dest: str | None
    level: int
    who: tuple[str, ...]
    guards: tuple[Guard, ...]
    needs: tuple[str, ...]
    effects: tuple[Effect, ...]
    variant: str | None = None  # attach: the stage its files are for


Guard = Callable[[r.CaseLike, r.Actor], bool]
Effect = Callable[[r.CaseLike, r.EventData], None]


def row(
    event: str,
    source: str | Iterable[str],
    dest: str | None,
    level: int,
    who: Iterable[str],
    guards: Iterable[Guard] = (),
    needs: Iterable[str] = (),
    effects: Iterable[Effect] = (),
    variant: str | None = None,
) -> Row:
    source = (source,) if isinstance(source, str) else tuple(source)
    return Row(event, source, dest, level, tuple(who), tuple(guards), tuple(needs), tuple(effects), variant)


# fmt: off
# Every event a mediator may trigger on `handling` is guarded by `handler_if_claimed`: the handler who
# claimed the case, or a supervisor of that level; an unclaimed `open` case is escalated by the level's staff.
# Inputs in `needs` ending in "?" are optional (a position on site is taken when given).
TABLE: list[Row] = [
    #   event        source                 dest        level  who                          guards                                      needs                        effects
    row("file",      "reported",            "open",     SAME, [GRID_WORKER],               [r.owns_grid],                              [],                          [r.start_clock]),
    row("auto_file", "reported",            "open",     SAME, [SYSTEM],                    [],                                         [],                          [r.file_unchecked]),
    row("reject",    "reported",            "rejected", SAME, [GRID_WORKER],               [r.owns_grid],                              ["reason"]),
    row("merge",     ("reported", "open"),  "merged",   SAME, [GRID_WORKER],               [r.owns_grid, r.unclaimed],                 ["into"],                    [r.end_supervision]),
    row("claim",     "open",                "handling", SAME, STAFF,                       [r.acts_at_level],                          [],                          [r.assign_to_actor]),
    row("release",   "handling",            "open",     SAME, STAFF,                       [r.acts_at_level, r.handler_if_claimed],    [],                          [r.unassign]),
    row("record",    "handling",            None,       SAME, STAFF,                       [r.acts_at_level, r.handler_if_claimed],    ["session"]),
    row("resolve",   "handling",            "resolved", SAME, STAFF,                       [r.acts_at_level, r.handler_if_claimed],    ["outcome", "settlement"],   [r.mark_resolved]),
    row("escalate",  ACTIVE,                "open",     UP,   [*STAFF, SYSTEM],            [r.acts_at_level, r.handler_if_claimed, r.below_city], ["reason"],       [r.level_up]),
    row("refer",     "handling",            "referred", SAME, STAFF,                       [r.acts_at_level, r.handler_if_claimed],    ["referral"],                [r.end_supervision]),
    row("return",    "handling",            "open",     DOWN, STAFF,                       [r.acts_at_level, r.handler_if_claimed, r.above_community], ["reason"],  [r.level_down]),
    row("extend",    "handling",            None,       SAME, [SUPERVISOR],                [r.acts_at_level, r.extensions_remain],     ["reason", "extend_by"],     [r.extend_deadline]),
    row("verify",    "resolved",            "closed",   SAME, [GRID_WORKER],               [r.owns_grid],                              ["position?"],               [r.mark_closed]),
    row("rework",    "resolved",            "handling", SAME, [GRID_WORKER],               [r.owns_grid],                              ["reason", "position?"],     [r.count_rework]),
    row("follow_up", "closed",              None,       SAME, [GRID_WORKER, *STAFF],       [r.in_area],                                ["visit", "position?"]),
    row("flag_overdue", ACTIVE,             None,       SAME, [SYSTEM],                    [r.at_city],                                [],                          [r.flag_overdue]),
    row("verification_late", "resolved",    None,       SAME, [SYSTEM],                    [],                                         [],                          [r.mark_verification_late]),
    row("remind",    ("handling", "resolved", "closed"), None, SAME, [SYSTEM],             []),
    # Supervision from above (催办 督办 提级): a supervisor of a higher level whose area holds the case.
    row("urge",      ACTIVE,                None,       SAME, [SUPERVISOR],                [r.supervises_from_above],                  ["reason?"],                 [r.count_urge]),
    row("supervise", ACTIVE,                None,       SAME, [SUPERVISOR],                [r.supervises_from_above, r.not_supervised_from_higher], ["note", "due"], [r.mark_supervised]),
    row("pull_up",   ACTIVE,                "open",     ABOVE, [SUPERVISOR],               [r.supervises_from_above],                  ["reason"],                  [r.level_to_actor]),
    # Side doors (see SIDE_DOORS): files for a stage, and the older case receiving a merged duplicate.
    # The report's own photos until the case is finished (a phone offline sends them late).
    row("attach",    UNFINISHED,         None,       SAME, [GRID_WORKER, *STAFF],       [r.reporter_or_grid_owner],                 ["attachments"],             variant="report"),
    row("attach",    "handling",            None,       SAME, STAFF,                       [r.acts_at_level, r.handler_if_claimed],    ["attachments"],             variant="handling"),
    row("attach",    "resolved",            None,       SAME, [GRID_WORKER],               [r.owns_grid],                              ["attachments"],             variant="verification"),
    row("attach",    ("handling", "resolved", "closed"), None, SAME, STAFF,                [r.acts_at_level, r.handler_if_claimed],    ["attachments"],             variant="agreement"),
    row("merge_in",  UNFINISHED,         None,       SAME, [GRID_WORKER],               [r.owns_grid],                              ["from"]),
]
# fmt: on
# An admin may do whatever a person may (never what only the system does).
EVENTS: dict[str, list[Row]] = {}
for _row in TABLE:
    EVENTS.setdefault(_row.event, []).append(_row)


def roles_for(event: str) -> set[str]:
    roles = {who for rw in EVENTS[event] for who in rw.who}
    return roles | ({ADMIN} if roles - {SYSTEM} else set())


def _who_ok(rw: Row, actor: r.Actor) -> bool:
    return actor.role in rw.who or (actor.role == ADMIN and bool(set(rw.who) - {SYSTEM}))


def permitted(rw: Row, case: r.CaseLike, actor: r.Actor) -> bool:
    return case.state in rw.source and _who_ok(rw, actor) and all(g(case, actor) for g in rw.guards)


def allowed_events(case: r.CaseLike, actor: r.Actor) -> list[str]:
    """The events this actor may send now through POST /cases/{id}/events (inputs aside)."""
    return sorted({rw.event for rw in TABLE if rw.event not in SIDE_DOORS and permitted(rw, case, actor)})


def attach_stages(case: r.CaseLike, actor: r.Actor) -> list[str]:
    """The stages this actor may upload files for now."""
    return [stage for stage in STAGES if row_taken(case, "attach", actor, stage) is not None]


# Guards that answer "who is this actor to this case" rather than "where does the case stand": a row
# refused only by one of them is refused for good at the case's level (403), not for now (409).
AUTHORITY_GUARDS: tuple[Guard, ...] = (r.supervises_from_above,)


def refused_by_authority(case: r.CaseLike, event: str, actor: r.Actor) -> bool:
    """The case is in a state `event` leaves from and the actor's role may send it, but an authority
    guard refuses him (a supervisor of the case's own level or below urging it)."""
    return any(
        case.state in rw.source
        and _who_ok(rw, actor)
        and any(g in rw.guards and not g(case, actor) for g in AUTHORITY_GUARDS)
        for rw in EVENTS.get(event, ())
    )


def optional_inputs(rw: Row) -> tuple[str, ...]:
    return tuple(n[:-1] for n in rw.needs if n.endswith("?"))


# -- the machine: built from the table, one for all cases (see TECH-NOTES: ~13 µs a trigger) ------
def _condition(rw: Row) -> Callable[[Any], bool]:
    def check(event_data: Any) -> bool:  # transitions' EventData
        return permitted(rw, event_data.model, event_data.kwargs["actor"])

    check.__name__ = f"may_{rw.event}"
    return check


def _after(rw: Row) -> Callable[[Any], None]:
    def apply(event_data: Any) -> None:
        data = event_data.kwargs
        for effect in rw.effects:
            effect(event_data.model, data)

    apply.__name__ = f"after_{rw.event}"
    return apply


def _transitions() -> list[dict[str, Any]]:
    return [
        {
            "trigger": rw.event,
            "source": list(rw.source),
            "dest": rw.dest,
            "conditions": [_condition(rw)],
            "after": [_after(rw)],
        }
        for rw in TABLE
    ]


MACHINE = Machine(
    model=None, states=list(STATES), transitions=_transitions(), initial=None, auto_transitions=False, send_event=True
)


def needs(event: str) -> tuple[str, ...]:
    """The inputs `event` asks for (every row of an event asks for the same)."""
    return tuple(dict.fromkeys(name for rw in EVENTS[event] for name in rw.needs))


def row_taken(case: r.CaseLike, event: str, actor: r.Actor, variant: str | None = None) -> Row | None:
    """The row `event` (of `variant`, for attach: the stage) would take for this case and actor (the
    first that permits it)."""
    return next(
        (rw for rw in EVENTS.get(event, ()) if rw.variant == variant and permitted(rw, case, actor)),
        None,
    )


def fire(case: r.CaseLike, event: str, **data: Any) -> bool:
    """Trigger `event` on `case` through the machine; False if no row permits it."""
    return bool(MACHINE.events[event].trigger(case, **data))


LEVEL_LABELS = {SAME: "", UP: ", level +1", DOWN: ", level -1", ABOVE: ", to the actor's level"}


def diagram(fmt: str = "mermaid") -> str:
    """The state diagram, drawn from the table (mermaid `stateDiagram-v2`)."""
    from transitions.extensions import GraphMachine

    labelled = [
        {
            "trigger": f"{rw.event}{' ' + rw.variant if rw.variant else ''} ({'/'.join(rw.who)}{LEVEL_LABELS[rw.level]})",
            "source": list(rw.source),
            "dest": rw.dest or "=",
        }
        for rw in TABLE
    ]  # "=": stays
    graph = GraphMachine(
        states=list(STATES),
        transitions=labelled,
        initial="reported",
        auto_transitions=False,
        graph_engine="mermaid" if fmt == "mermaid" else "graphviz",
        title="GridFlow case workflow",
    )
    text: str = graph.get_graph().draw(None)
    # Drop the styling of the "current state" (a diagram of the table has none).
    return "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith(("classDef", "Class "))).strip() + "\n"
